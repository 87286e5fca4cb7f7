import type { FastifyInstance } from 'fastify';
import type { GatewayParts } from '../../gateway/gateway-parts.js';
import { HourlyStats, MAX_STATS_HOURS } from '../hourly-stats.js';
import type { RequestGuards } from '../request-guards.js';
import { declareAccess, requireRoles } from '../route-access.js';
import { errorResponses, queueParams, TOKEN_ERRORS } from '../schemas.js';

/** What the stats plugin needs. */
export type StatsRoutesOptions = Pick<GatewayParts, 'queue'> & { guards: RequestGuards };

const count = { type: 'integer' } as const;

/**
 * Figures for the dashboard's overview, for producer tokens (and admin): SMS per hour
 * from the event log (hourly-stats.ts) and the tasks of a queue by status.
 */
export async function statsRoutes(app: FastifyInstance, { queue, guards }: StatsRoutesOptions): Promise<void> {
  declareAccess(app, guards, requireRoles(['producer']));
  const reading = guards.budget('read');
  const stats = new HourlyStats(queue.events, (err) => app.log.warn({ err }, 'the hourly statistics could not read the event log; they count from what was read'));
  app.addHook('onClose', async () => stats.close());

  app.get<{ Querystring: { hours?: string } }>(
    '/v1/stats',
    {
      preHandler: reading,
      schema: {
        tags: ['dashboard'],
        operationId: 'getStats',
        summary: `SMS sent, failed, received and delivered per hour over the last \`hours\` (1 to ${MAX_STATS_HOURS}, default 24), oldest first, this hour last, every hour listed`,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { hours: { type: 'string', pattern: '^([1-9]|[1-9][0-9]|1[0-5][0-9]|16[0-8])$', description: `a whole number from 1 to ${MAX_STATS_HOURS}`, default: '24' } },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              hours: {
                type: 'array',
                items: { type: 'object', properties: { start: { type: 'string', description: 'start of the hour (ISO 8601)' }, sent: count, failed: count, received: count, delivered: count }, required: ['start', 'sent', 'failed', 'received', 'delivered'] },
              },
            },
            required: ['hours'],
          },
          ...errorResponses(400, ...TOKEN_ERRORS),
        },
      },
    },
    async (req) => ({ hours: await stats.lastHours(Number(req.query.hours ?? 24)) }),
  );

  app.get<{ Params: { queue: string } }>(
    '/v1/queue/:queue/counts',
    {
      preHandler: reading,
      schema: {
        tags: ['dashboard'],
        operationId: 'getQueueCounts',
        summary: 'Tasks of a queue by status (queued includes scheduled sends not yet due)',
        params: queueParams,
        response: {
          200: { type: 'object', properties: { paused: count, queued: count, inProgress: count, done: count, failed: count, cancelled: count }, required: ['paused', 'queued', 'inProgress', 'done', 'failed', 'cancelled'] },
          ...errorResponses(400, ...TOKEN_ERRORS, 404),
        },
      },
    },
    async (req) => {
      queue.settings(req.params.queue);
      const c = queue.counts(req.params.queue);
      return { paused: c.paused, queued: c.queued, inProgress: c['in progress'], done: c.done, failed: c.failed, cancelled: c.cancelled };
    },
  );
}
