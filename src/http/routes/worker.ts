import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KatarError } from '../../errors.js';
import { parseIsoInstant } from '../../gateway/iso-instant.js';
import { configurationReply, pollBody, pollReply, receiveBody, reportedOutcome, toWireTask, WORKER_HEADER, WORKER_NAME, type PollRequest, type QueueConfiguration, type ReceiveRequest } from '../../protocol/katar-wire.js';
import type { TaskReport } from '../../queue/queue-types.js';
import type { SmsQueue } from '../../queue/sms-queue.js';
import type { Principal } from '../auth.js';
import type { RequestGuards } from '../request-guards.js';
import { declareAccess, requireRoles } from '../route-access.js';
import { errorResponses, queueParams, TOKEN_ERRORS } from '../schemas.js';

/** What the worker protocol plugin needs. */
export interface WorkerRoutesOptions {
  queue: SmsQueue;
  guards: RequestGuards;
}

/**
 * Who holds a lease: the token's name, refined by an optional X-Katar-Worker header so
 * that several workers sharing a token stay apart; without tokens, the peer address.
 */
export function workerId(req: FastifyRequest, who: Principal): string {
  const h = req.headers[WORKER_HEADER];
  const sub = typeof h === 'string' && WORKER_NAME.test(h) ? `/${h}` : '';
  return who.role === 'anonymous' ? `http:${req.ip}${sub}` : `token:${who.name}${sub}`;
}

/**
 * The katar HTTP worker protocol (wire shapes in src/protocol/katar-wire.ts), a fastify
 * plugin. Producers may read a queue's configuration too; polling and handing over
 * received SMS are for worker tokens only.
 */
export async function workerRoutes(app: FastifyInstance, { queue, guards }: WorkerRoutesOptions): Promise<void> {
  await app.register(async (readers) => {
    declareAccess(readers, guards, requireRoles(['worker', 'producer']));
    configurationRoute(readers, queue);
  });
  await app.register(async (workers) => {
    declareAccess(workers, guards, requireRoles(['worker']));
    pollRoute(workers, queue);
    receiveRoute(workers, queue);
  });
}

function configurationRoute(app: FastifyInstance, q: SmsQueue): void {
  app.get<{ Params: { queue: string } }>(
    '/v1/queue/:queue',
    {
      schema: {
        tags: ['worker'],
        operationId: 'getQueueConfiguration',
        summary: 'Queue configuration for workers (poll interval in ms)',
        params: queueParams,
        response: { 200: configurationReply, ...errorResponses(400, ...TOKEN_ERRORS, 404) },
      },
    },
    async (req): Promise<QueueConfiguration> => ({ configuration: { interval: q.settings(req.params.queue).pollingIntervalMs } }),
  );
}

function pollRoute(app: FastifyInstance, q: SmsQueue): void {
  app.post<{ Params: { queue: string }; Body: PollRequest }>(
    '/v1/queue/:queue',
    {
      schema: {
        tags: ['worker'],
        operationId: 'pollTasks',
        summary: 'Report results (optional) and take the next task(s); 204 when none is ready. An empty body is a plain poll',
        params: queueParams,
        body: pollBody,
        response: { 200: pollReply, 204: { type: 'null', description: 'no task is ready (or max was 0)' }, ...errorResponses(400, ...TOKEN_ERRORS, 404, 409, 413, 415) },
      },
    },
    async (req, reply) => {
      const { queue } = req.params;
      const worker = workerId(req, req.principal);
      const reports = req.body?.tasks ?? [];
      const asReports = reports.map((r): TaskReport => ({ _id: r._id, status: reportedOutcome(r), ...(r.error !== undefined && { error: r.error }), ...(r.attempt !== undefined && { attempt: r.attempt }) }));
      const max = req.body?.max ?? 1;
      // Reports and the next hand-out share one durable write.
      let tasks = await q.reportAndLease(queue, worker, asReports, max);
      if (max === 0) return reply.status(204).send();
      const waitMs = req.body?.waitMs ?? 0;
      if (tasks.length === 0 && waitMs > 0) {
        // Long-poll: hold the answer until work arrives, the time is up, or the client leaves.
        const until = performance.now() + waitMs;
        const gone = new AbortController();
        reply.raw.once('close', () => gone.abort());
        while (tasks.length === 0 && performance.now() < until && !gone.signal.aborted) {
          await q.waitForWork(queue, until - performance.now(), gone.signal);
          if (gone.signal.aborted) break;
          tasks = await q.lease(queue, worker, max);
        }
        if (gone.signal.aborted && tasks.length) {
          // The worker hung up before it could see them: give them back untouched.
          for (const t of tasks) await q.release(queue, worker, t._id, 'the worker left before the answer');
          tasks = [];
        }
      }
      if (tasks.length === 0) return reply.status(204).send();
      const numbered = req.body?.withAttempt === true;
      return { tasks: tasks.map((t) => toWireTask(t, numbered)) };
    },
  );
}

function receiveRoute(app: FastifyInstance, q: SmsQueue): void {
  app.post<{ Params: { queue: string }; Body: ReceiveRequest }>(
    '/v1/queue/:queue/receive',
    {
      schema: {
        tags: ['worker'],
        operationId: 'receiveSms',
        summary: 'Hand over a received SMS; stored in the inbox and emitted as `sms`',
        params: queueParams,
        body: receiveBody,
        response: { 204: { type: 'null', description: 'stored' }, ...errorResponses(400, ...TOKEN_ERRORS, 404, 413, 415) },
      },
    },
    async (req, reply) => {
      const { sms } = req.body;
      let receivedAt: Date | undefined;
      if (sms.receivedAt !== undefined) {
        // Any moment that exists is kept as the worker saw it, 1970 or before included
        // (a modem without network time); a date that does not exist is refused.
        const t = parseIsoInstant(sms.receivedAt);
        if (t === undefined) throw new KatarError('VALIDATION', 'sms.receivedAt must be an existing ISO 8601 date-time such as 2026-01-31T18:00:00Z', { field: 'sms.receivedAt' });
        receivedAt = new Date(t);
      }
      const worker = workerId(req, req.principal);
      await q.receive(req.params.queue, {
        from: sms.from,
        msg: sms.msg,
        source: worker,
        ...(receivedAt && { receivedAt }),
        ...(sms.id !== undefined && { dedupKey: `${worker}:${sms.id}` }),
      });
      return reply.status(204).send();
    },
  );
}
