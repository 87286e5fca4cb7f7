import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics.js';
import type { RequestGuards } from '../request-guards.js';
import { declareAccess, requireRoles } from '../route-access.js';
import { errorResponses, TOKEN_ERRORS } from '../schemas.js';

/** What the metrics plugin needs. */
export interface MetricsRoutesOptions {
  metrics: Metrics;
  guards: RequestGuards;
}

/** Prometheus metrics, a fastify plugin for admin tokens. */
export async function metricsRoutes(app: FastifyInstance, { metrics, guards }: MetricsRoutesOptions): Promise<void> {
  declareAccess(app, guards, requireRoles(['admin']));
  app.get('/metrics', { schema: { tags: ['health'], operationId: 'getMetrics', summary: 'Prometheus metrics (text format)', response: { 200: { description: 'the Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } }, ...errorResponses(...TOKEN_ERRORS) } } }, async (_req, reply) => {
    return reply.type('text/plain; version=0.0.4').send(metrics.render());
  });
}
