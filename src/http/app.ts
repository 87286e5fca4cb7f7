import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config, Role } from '../config.js';
import { KatarError } from '../errors.js';
import type { Gateway } from '../gateway/gateway.js';
import { Authenticator, type Principal } from './auth.js';
import { errorBody, handleError } from './errors.js';
import { Metrics } from './metrics.js';
import { healthRoutes } from './routes/health.js';
import { producerRoutes } from './routes/producer.js';
import { workerRoutes } from './routes/worker.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** Roles allowed on the route (admin always is). */
    roles?: Role[];
    /** No authentication at all (liveness, OpenAPI). */
    public?: boolean;
  }
}

/** What the HTTP adapter needs. */
export interface AppDeps {
  gateway: Gateway;
  config: Pick<Config, 'tokens' | 'bodyLimitBytes' | 'rateLimit'>;
  logger?: Logger;
}

/**
 * Builds the fastify app without listening: the katar worker protocol, the producer
 * API, health, metrics and the OpenAPI document. Tests drive it with `inject()`.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { gateway, config } = deps;
  const app: FastifyInstance = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger.child({ module: 'http' }) as FastifyBaseLogger } : { logger: false }),
    bodyLimit: config.bodyLimitBytes,
    // Wrong types are errors, not silently converted; unknown fields are errors, not dropped.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    // One log line per request would cost more than the request at thousands per second;
    // latencies go to /metrics, errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
  });
  const auth = new Authenticator(config.tokens);
  const metrics = new Metrics(gateway);

  // katar clients may POST an empty body to poll; treat it as {} instead of an error.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = (body as string).trim();
    if (text === '') return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new KatarError('VALIDATION', 'the body is not valid JSON'), undefined);
    }
  });

  app.decorateRequest('principal', undefined as unknown as Principal);
  app.addHook('onRequest', async (req) => {
    const cfg = req.routeOptions.config;
    if (cfg.public || !req.routeOptions.url) return;
    req.principal = auth.require(req, cfg.roles ?? ['admin']);
  });
  app.addHook('onResponse', async (req, reply) => {
    metrics.observeRequest(req.method, req.routeOptions.url ?? 'unknown', reply.statusCode, reply.elapsedTime / 1000);
  });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((req, reply) => reply.status(404).send(errorBody(404, 'NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`)));

  await app.register(swagger, {
    openapi: {
      info: { title: 'katar-sms', version: '1', description: 'SMS gateway: the katar HTTP worker protocol and the producer API. Client mistakes are answered 4xx with {error, code, message}, never 500.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(rateLimit, {
    global: false,
    hook: 'preHandler',
    keyGenerator: (req) => (req.principal && req.principal.role !== 'anonymous' ? `token:${req.principal.name}` : `ip:${req.ip}`),
    errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, code: 'RATE_LIMITED', error: 'Too Many Requests', message: `rate limit of ${ctx.max} requests per ${ctx.after} window exceeded; retry in ${ctx.after}` }),
  });

  workerRoutes(app, gateway);
  producerRoutes(app, gateway, { max: config.rateLimit.max, timeWindow: config.rateLimit.windowMs });
  healthRoutes(app, gateway, metrics);
  return app;
}
