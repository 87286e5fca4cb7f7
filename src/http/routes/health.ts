import type { FastifyInstance } from 'fastify';
import type { GatewayParts } from '../../gateway/gateway-parts.js';
import type { RequestGuards } from '../request-guards.js';
import { declareAccess, publicRoutes } from '../route-access.js';
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

/** What the health plugin needs. */
export type HealthRoutesOptions = Pick<GatewayParts, 'queue' | 'modems'> & { guards: RequestGuards };

/** Liveness, readiness and queue depth, and the OpenAPI document: a fastify plugin open to anyone, without a token. */
export async function healthRoutes(app: FastifyInstance, { queue, modems, guards }: HealthRoutesOptions): Promise<void> {
  declareAccess(app, guards, publicRoutes());
  const started = Date.now();

  app.get(
    '/healthz',
    {
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

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
