import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics.js';
import type { RequestGuards } from '../request-guards.js';
import { declareAccess, requireRoles } from '../route-access.js';

/** What the metrics plugin needs. */
export interface MetricsRoutesOptions {
  metrics: Metrics;
  guards: RequestGuards;
}

/** Prometheus metrics, a fastify plugin for admin tokens. */
export async function metricsRoutes(app: FastifyInstance, { metrics, guards }: MetricsRoutesOptions): Promise<void> {
  declareAccess(app, guards, requireRoles(['admin']));
  app.get('/metrics', { schema: { tags: ['health'], summary: 'Prometheus metrics (text format)' } }, async (_req, reply) => {
    return reply.type('text/plain; version=0.0.4').send(metrics.render());
  });
}
