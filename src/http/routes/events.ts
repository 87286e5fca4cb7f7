import type { FastifyInstance } from 'fastify';
import { EVENT_TYPES } from '../../queue/gateway-event.js';
import type { EventLog } from '../../queue/sms-queue.js';
import type { RequestGuards } from '../request-guards.js';
import { declareAccess, requireRoles } from '../route-access.js';
import { errorResponses, errorSchema, pageLimit, TOKEN_ERRORS } from '../schemas.js';
import { DEFAULT_STREAM_LIMITS, OpenStreams, parseCursor, parseTypes, serveStream, type StreamLimits } from './event-stream.js';

/** What the events plugin needs. */
export interface EventRoutesOptions {
  events: EventLog;
  guards: RequestGuards;
  streamLimits?: Partial<StreamLimits>;
}

const eventSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    type: { type: 'string', enum: [...EVENT_TYPES] },
    time: { type: 'string' },
    queue: { type: 'string' },
    data: { type: 'object', additionalProperties: true },
  },
} as const;

const goneSchema = { ...errorSchema, description: 'the cursor is older than the retention keeps; `oldest` is where the log starts now', properties: { ...errorSchema.properties, oldest: { type: 'integer' } } } as const;

const query = {
  type: 'object',
  additionalProperties: false,
  properties: {
    after: { type: 'string', description: 'an event id: events after it (0 or absent: from the oldest kept)' },
    types: { type: 'string', description: `comma-separated: ${EVENT_TYPES.join(', ')}` },
    limit: pageLimit,
  },
} as const;

/**
 * The event log for applications (docs/EVENTS.md): pull a page after a cursor, or follow
 * the Server-Sent Events stream. A fastify plugin for producer tokens (admin always).
 */
export async function eventRoutes(app: FastifyInstance, opts: EventRoutesOptions): Promise<void> {
  declareAccess(app, opts.guards, requireRoles(['producer']));
  const limits = { ...DEFAULT_STREAM_LIMITS, ...opts.streamLimits };
  const open = new OpenStreams();
  // fastify's close waits for open connections (server.close) before it runs the
  // onClose hooks: an onClose that ends the streams would never run while one is open.
  // preClose runs before server.close.
  app.addHook('preClose', async () => open.endAll());
  const read = opts.guards.budget('read');
  // 0 (or no cursor) is documented as "from the oldest kept": once retention removed the
  // first events it is the cursor before the oldest, not a cursor that missed events.
  const fromCursor = (after: number): number => (after === 0 ? Math.max(0, (opts.events.bounds().oldest ?? 1) - 1) : after);

  app.get<{ Querystring: { after?: string; types?: string; limit?: string } }>(
    '/v1/events',
    {
      preHandler: read,
      schema: {
        tags: ['events'],
        operationId: 'listEvents',
        summary: 'Events after a cursor, oldest first: {events, next, newest}; pass `next` back as `after`; `newest` is the id of the newest event kept (0 when none), where a reader that wants only what happens from now on starts. 410 with `oldest` when the cursor is older than retention',
        querystring: query,
        response: { 200: { type: 'object', properties: { events: { type: 'array', items: eventSchema }, next: { type: 'integer' }, newest: { type: 'integer' } }, required: ['events', 'next', 'newest'] }, ...errorResponses(400, ...TOKEN_ERRORS), 410: goneSchema },
      },
    },
    async (req) => {
      const types = parseTypes(req.query.types);
      const page = await opts.events.read(fromCursor(parseCursor(req.query.after, 'after')), { limit: Number(req.query.limit ?? 100), ...(types && { types }) });
      return { ...page, newest: opts.events.bounds().newest };
    },
  );

  app.get<{ Querystring: { after?: string; types?: string } }>(
    '/v1/events/stream',
    {
      preHandler: read,
      schema: {
        tags: ['events'],
        operationId: 'streamEvents',
        summary: 'Server-Sent Events: `id:` the event id, `event:` its type, `data:` the event JSON. Resumes after Last-Event-ID (header) or `after`; heartbeat comments every 15 s',
        querystring: { ...query, properties: { after: query.properties.after, types: query.properties.types } },
        // Written by the handler itself (hijacked), never serialised: documentation only.
        response: { 200: { description: 'the event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...errorResponses(400, ...TOKEN_ERRORS), 410: goneSchema },
      },
    },
    async (req, reply) => {
      const header = req.headers['last-event-id'];
      const after = typeof header === 'string' && header !== '' ? parseCursor(header, 'Last-Event-ID') : parseCursor(req.query.after, 'after');
      await serveStream(req, reply, opts.events, open, { after: fromCursor(after), types: parseTypes(req.query.types), limits });
    },
  );
}
