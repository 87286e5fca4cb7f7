import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import { KatarError } from '../../errors.js';
import type { GatewayParts } from '../../gateway/gateway-parts.js';
import type { SendRequest } from '../../gateway/send-intake.js';
import type { InboxListing } from '../../queue/sms-queue.js';
import type { TaskStatus } from '../../queue/task.js';
import type { RequestGuards } from '../request-guards.js';
import { declareAccess, requireRoles } from '../route-access.js';
import { dryRunSchema, errorResponses, inboxEntrySchema, pageLimit, queueParams, sendBody, taskParams, taskSchema, TOKEN_ERRORS } from '../schemas.js';
import { precompileTaskJson, sendTask, sendTasks } from '../task-json.js';

/**
 * A search by phone number in a listing: the tasks (messages) whose number contains it.
 * A `+` written unencoded in a query string arrives as a space: taken as the `+` it was.
 */
const numberSearch = { type: 'string', pattern: '^[+ ]?[0-9]{1,20}$', description: 'digits, optionally after a + (1 to 20)' } as const;
const searchedNumber = (s: string): string => s.replace(/^ /, '+');

/** True for a given `order` (asc or desc); VALIDATION for another, so that the refusal says what order may be. */
function checkOrder(order: string | undefined): order is 'asc' | 'desc' {
  if (order === undefined) return false;
  if (order !== 'asc' && order !== 'desc') throw new KatarError('VALIDATION', 'order must be asc or desc', { field: 'order' });
  return true;
}

type SendBody = SendRequest & { messages?: SendRequest[]; dryRun?: boolean };

/** One task, or `{messages: [...]}` for a batch, or a dry run's answer (the forms with a required key first). */
const sendReply = { anyOf: [{ type: 'object', properties: { messages: { type: 'array', items: taskSchema } }, required: ['messages'] }, dryRunSchema, taskSchema] };

/** What the producer API plugin needs. */
export type ProducerRoutesOptions = Pick<GatewayParts, 'queue' | 'intake'> & { guards: RequestGuards };

/**
 * The producer API for LAN producers, a fastify plugin for producer tokens: send, follow
 * tasks, cancel, read the inbox. Every route draws on a budget (request-guards.ts):
 * sends per message, the others per request.
 */
export async function producerRoutes(app: FastifyInstance, { queue: q, intake, guards }: ProducerRoutesOptions): Promise<void> {
  declareAccess(app, guards, requireRoles(['producer']));
  precompileTaskJson(app);
  const sending = guards.budget('send');
  const reading = guards.budget('read');
  // A dry run sends nothing: it draws on the read budget, so a live counter in the
  // dashboard does not use up the messages a producer may send.
  const sendingOrDryRun: preHandlerAsyncHookHandler = function (req, reply) {
    return ((req.body as SendBody | undefined)?.dryRun === true ? reading : sending).call(this, req, reply);
  };

  app.post<{ Params: { queue: string }; Body: SendBody }>(
    '/v1/queue/:queue/send',
    {
      preHandler: sendingOrDryRun,
      schema: {
        tags: ['producer'],
        operationId: 'sendSms',
        summary: 'Queue one SMS ({to, msg, ...}) or several ({messages: [...]}); 201 once on disk, 200 for a repeated idempotencyKey, 409 for a key used with another to or msg; with dryRun: true (one message) 200 with the normalised number, encoding and parts, nothing stored',
        params: queueParams,
        body: sendBody,
        response: {
          200: sendReply,
          201: sendReply,
          ...errorResponses(400, ...TOKEN_ERRORS, 404, 409, 413, 415, 503, 507),
        },
      },
    },
    async (req, reply) => {
      const { messages, dryRun, ...single } = req.body ?? {};
      if (messages !== undefined) {
        if (dryRun !== undefined) throw new KatarError('VALIDATION', 'dryRun is for one message ({to, msg, dryRun: true}), not beside messages', { field: 'dryRun' });
        const extra = Object.keys(single)[0];
        if (extra) throw new KatarError('VALIDATION', `${extra} cannot be given beside messages; put it in each message`, { field: extra });
        const results = await intake.submit(req.params.queue, messages);
        // Written directly, not through the anyOf of the response schema (task-json.ts).
        return sendTasks(reply.status(results.some((r) => r.created) ? 201 : 200), results.map((r) => r.task));
      }
      if (single.to === undefined) throw new KatarError('VALIDATION', 'to is required', { field: 'to' });
      if (single.msg === undefined) throw new KatarError('VALIDATION', 'msg is required', { field: 'msg' });
      if (dryRun === true) return reply.status(200).send(intake.preview(req.params.queue, single));
      const [r] = await intake.submit(req.params.queue, [single], () => '');
      return sendTask(reply.status(r!.created ? 201 : 200), r!.task);
    },
  );

  app.get<{ Params: { queue: string; id: string } }>(
    '/v1/queue/:queue/tasks/:id',
    { preHandler: reading, schema: { tags: ['producer'], operationId: 'getTask', summary: 'One task: status, attempts, errors, timestamps', params: taskParams, response: { 200: taskSchema, ...errorResponses(400, ...TOKEN_ERRORS, 404) } } },
    async (req) => q.get(req.params.queue, req.params.id),
  );

  app.get<{ Params: { queue: string }; Querystring: { status?: TaskStatus; limit?: string; cursor?: string; order?: string; to?: string } }>(
    '/v1/queue/:queue/tasks',
    {
      preHandler: reading,
      schema: {
        tags: ['producer'],
        operationId: 'listTasks',
        summary: 'Tasks, oldest first (order=desc: newest first), a page at a time (pass `next` back as `cursor`; no `next` on the last page); `to` finds tasks whose recipient contains it',
        params: queueParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: taskSchema.properties.status,
            limit: pageLimit,
            cursor: { type: 'string', pattern: '^\\d{1,15}$', description: "a page's next" },
            order: { type: 'string', maxLength: 10, description: 'asc (oldest first, the default) or desc (newest first; next pages further into the past)' },
            to: numberSearch,
          },
        },
        response: { 200: { type: 'object', properties: { tasks: { type: 'array', items: taskSchema }, next: { type: 'string' } } }, ...errorResponses(400, ...TOKEN_ERRORS, 404) },
      },
    },
    async (req) => {
      const { status, cursor, order, to } = req.query;
      const limit = Number(req.query.limit ?? 100);
      const page = await q.listTasks(req.params.queue, { limit, ...(status && { status }), ...(cursor && { cursor: Number(cursor) }), ...(checkOrder(order) && { order }), ...(to !== undefined && { to: searchedNumber(to) }) });
      return { tasks: page.items, ...(page.next && { next: page.next }) };
    },
  );

  app.delete<{ Params: { queue: string; id: string } }>(
    '/v1/queue/:queue/tasks/:id',
    { preHandler: reading, schema: { tags: ['producer'], operationId: 'cancelTask', summary: 'Cancel a queued or paused task (409 otherwise)', params: taskParams, response: { 200: taskSchema, ...errorResponses(400, ...TOKEN_ERRORS, 404, 409) } } },
    async (req) => q.cancel(req.params.queue, req.params.id),
  );

  app.get<{ Params: { queue: string }; Querystring: { since?: string; limit?: string; order?: string; from?: string } }>(
    '/v1/queue/:queue/inbox',
    {
      preHandler: reading,
      schema: {
        tags: ['producer'],
        operationId: 'listInbox',
        summary: 'Received SMS, oldest first (order=desc: newest first); `since` is the `next` of a page or an ISO date-time. Every page has `next`: on the last (even empty) one it is where to poll from later. `from` finds messages whose sender contains it (such a page may be cut short after 1,000 messages looked at)',
        params: queueParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            since: { type: 'string', maxLength: 40, description: 'after this cursor or instant (order=desc: before it)' },
            limit: pageLimit,
            // Checked by the handler, so that the refusal says what order may be.
            order: { type: 'string', maxLength: 10, description: 'asc (oldest first, the default) or desc (newest first; next pages further into the past)' },
            from: numberSearch,
          },
        },
        response: {
          200: { type: 'object', properties: { messages: { type: 'array', items: inboxEntrySchema }, next: { type: 'string', description: 'the cursor to come back with: the seq of the last entry, or the given cursor on an empty page' } }, required: ['messages', 'next'] },
          ...errorResponses(400, ...TOKEN_ERRORS, 404),
        },
      },
    },
    async (req) => {
      const { since, order, from } = req.query;
      const opts: InboxListing = { limit: Number(req.query.limit ?? 100), ...(checkOrder(order) && { order }), ...(from !== undefined && { from: searchedNumber(from) }) };
      if (since !== undefined) {
        if (/^\d{1,15}$/.test(since)) opts.afterSeq = Number(since);
        else {
          const t = new Date(since);
          if (Number.isNaN(t.getTime())) throw new KatarError('VALIDATION', 'since must be a cursor (the `next` of a page) or an ISO 8601 date-time', { field: 'since' });
          opts.afterTime = t;
        }
      }
      const page = await q.listInbox(req.params.queue, opts);
      return { messages: page.items, next: page.next ?? String(opts.afterSeq ?? 0) };
    },
  );
}
