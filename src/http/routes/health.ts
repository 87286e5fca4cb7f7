import type { FastifyInstance } from 'fastify';
import type { GatewayParts } from '../../gateway/gateway-parts.js';
import type { Metrics } from '../metrics.js';
import { notReadyReasons } from '../store-health.js';

const storeSchema = {
  type: 'object',
  description: 'file sizes in bytes, and whether the store can write and takes new sends',
  properties: {
    journal: { type: 'integer' },
    history: { type: 'integer' },
    inbox: { type: 'integer' },
    writable: { type: 'boolean' },
    acceptingNew: { type: 'boolean' },
    reason: { type: 'string' },
    freeBytes: { type: 'integer' },
    reserveBytes: { type: 'integer' },
  },
} as const;

/** Liveness, readiness and queue depth, Prometheus metrics, and the OpenAPI document. */
export function healthRoutes(app: FastifyInstance, { queue, modems }: Pick<GatewayParts, 'queue' | 'modems'>, metrics: Metrics): void {
  const started = Date.now();

  app.get(
    '/healthz',
    {
      config: { public: true },
      schema: {
        tags: ['health'],
        summary: 'Liveness (always 200 while the process answers; status "degraded" when the store cannot write), queue depth, modem state',
        response: {
          200: {
            type: 'object',
            properties: {
              status: { type: 'string', enum: ['ok', 'degraded'] },
              uptimeSeconds: { type: 'integer' },
              queues: { type: 'object', additionalProperties: { type: 'object', additionalProperties: { type: 'integer' } } },
              modems: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { name: { type: 'string' }, state: { type: 'string' }, signalDbm: { type: 'number' }, registration: { type: 'string' }, operator: { type: 'string' }, model: { type: 'string' }, lastError: { type: 'string' }, updatedAt: { type: 'string' } },
                },
              },
              store: storeSchema,
            },
          },
        },
      },
    },
    async () => {
      // fromEntries defines own properties: a queue name can never reach a prototype.
      const queues = Object.fromEntries(queue.queueNames.map((name) => [name, queue.counts(name)]));
      const s = { ...queue.sizes(), ...queue.health() };
      // Liveness stays 200: restarting a process because its disk is full fixes nothing.
      return { status: s.writable ? 'ok' : 'degraded', uptimeSeconds: Math.floor((Date.now() - started) / 1000), queues, modems: modems.all(), store: s };
    },
  );

  app.get(
    '/readyz',
    {
      config: { public: true },
      schema: {
        tags: ['health'],
        summary: 'Readiness: 200 when new sends are taken; 503 with the reasons while the store cannot write or keeps its free-space reserve',
        response: {
          200: { type: 'object', properties: { status: { type: 'string', enum: ['ready'] }, store: storeSchema } },
          503: { type: 'object', properties: { status: { type: 'string', enum: ['not ready'] }, reasons: { type: 'array', items: { type: 'string' } }, store: storeSchema } },
        },
      },
    },
    async (_req, reply) => {
      const s = queue.health();
      const reasons = notReadyReasons(s);
      if (reasons.length) return reply.status(503).header('retry-after', '10').send({ status: 'not ready', reasons, store: s });
      return { status: 'ready', store: s };
    },
  );

  app.get('/metrics', { config: { roles: ['admin'] }, schema: { tags: ['health'], summary: 'Prometheus metrics (text format)' } }, async (_req, reply) => {
    return reply.type('text/plain; version=0.0.4').send(metrics.render());
  });

  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
}
