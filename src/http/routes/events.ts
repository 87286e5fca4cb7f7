import type { FastifyInstance } from 'fastify';
import { EVENT_TYPES } from '../../queue/gateway-event.js';
import type { EventLog } from '../../queue/sms-queue.js';
import type { RequestGuards } from '../request-guards.js';
import { declareAccess, requireRoles } from '../route-access.js';
import { errorSchema } from '../schemas.js';
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

const goneSchema = { ...errorSchema, properties: { ...errorSchema.properties, oldest: { type: 'integer' } } } as const;

const query = {
  type: 'object',
  additionalProperties: false,
  properties: {
    after: { type: 'string', description: 'an event id: events after it (0 or absent: from the oldest kept)' },
    types: { type: 'string', description: `comma-separated: ${EVENT_TYPES.join(', ')}` },
    limit: { type: 'string', pattern: '^([1-9][0-9]{0,2}|1000)$', description: '1 to 1000, default 100' },
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
  // fastify waits for open connections when it closes: end the streams first.
  app.addHook('onClose', async () => open.endAll());
  const read = opts.guards.budget('read');

  app.get<{ Querystring: { after?: string; types?: string; limit?: string } }>(
    '/v1/events',
    {
      preHandler: read,
      schema: {
        tags: ['events'],
        summary: 'Events after a cursor, oldest first: {events, next}; pass `next` back as `after`. 410 with `oldest` when the cursor is older than retention',
        querystring: query,
        response: { 200: { type: 'object', properties: { events: { type: 'array', items: eventSchema }, next: { type: 'integer' } } }, 400: errorSchema, 410: goneSchema, 429: errorSchema },
      },
    },
    async (req) => {
      const types = parseTypes(req.query.types);
      const page = await opts.events.read(parseCursor(req.query.after, 'after'), { limit: Number(req.query.limit ?? 100), ...(types && { types }) });
      return page;
    },
  );

  app.get<{ Querystring: { after?: string; types?: string } }>(
    '/v1/events/stream',
    {
      preHandler: read,
      schema: {
        tags: ['events'],
        summary: 'Server-Sent Events: `id:` the event id, `event:` its type, `data:` the event JSON. Resumes after Last-Event-ID (header) or `after`; heartbeat comments every 15 s',
        querystring: { ...query, properties: { after: query.properties.after, types: query.properties.types } },
        response: { 400: errorSchema, 410: goneSchema, 429: errorSchema },
      },
    },
    async (req, reply) => {
      const header = req.headers['last-event-id'];
      const after = typeof header === 'string' && header !== '' ? parseCursor(header, 'Last-Event-ID') : parseCursor(req.query.after, 'after');
      await serveStream(req, reply, opts.events, open, { after, types: parseTypes(req.query.types), limits });
    },
  );
}
