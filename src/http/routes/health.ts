import type { FastifyInstance } from 'fastify';
import type { Gateway } from '../../gateway/gateway.js';
import type { Metrics } from '../metrics.js';

/** Liveness and queue depth, Prometheus metrics, and the OpenAPI document. */
export function healthRoutes(app: FastifyInstance, gateway: Gateway, metrics: Metrics): void {
  const started = Date.now();

  app.get(
    '/healthz',
    {
      config: { public: true },
      schema: {
        tags: ['health'],
        summary: 'Liveness, queue depth and modem state',
        response: {
          200: {
            type: 'object',
            properties: {
              status: { type: 'string' },
              uptimeSeconds: { type: 'integer' },
              queues: { type: 'object', additionalProperties: { type: 'object', additionalProperties: { type: 'integer' } } },
              modems: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { name: { type: 'string' }, state: { type: 'string' }, signalDbm: { type: 'number' }, registration: { type: 'string' }, operator: { type: 'string' }, model: { type: 'string' }, lastError: { type: 'string' }, updatedAt: { type: 'string' } },
                },
              },
              store: { type: 'object', additionalProperties: { type: 'integer' } },
            },
          },
        },
      },
    },
    async () => {
      const queues: Record<string, Record<string, number>> = {};
      for (const name of gateway.queue.queueNames) queues[name] = gateway.queue.counts(name);
      return { status: 'ok', uptimeSeconds: Math.floor((Date.now() - started) / 1000), queues, modems: [...gateway.modems.values()], store: gateway.queue.store.sizes() };
    },
  );

  app.get('/metrics', { config: { roles: ['admin'] }, schema: { tags: ['health'], summary: 'Prometheus metrics (text format)' } }, async (_req, reply) => {
    return reply.type('text/plain; version=0.0.4').send(metrics.render());
  });

  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
}
