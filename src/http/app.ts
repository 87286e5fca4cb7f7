import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../log.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { GatewayParts } from '../gateway/gateway-parts.js';
import { lazyApiDocs } from './api-docs.js';
import { Authenticator, type Principal } from './auth.js';
import { errorBody, handleError } from './errors.js';
import { registerJsonBody } from './json-body.js';
import { Metrics, type MetricsSources } from './metrics.js';
import { RequestGuards } from './request-guards.js';
import { declareAccess, publicRoutes, requireDeclaredAccess } from './route-access.js';
import type { WebhookDispatcher } from '../events/webhook-dispatcher.js';
import { eventRoutes } from './routes/events.js';
import type { StreamLimits } from './routes/event-stream.js';
import { webhookRoutes } from './routes/webhooks.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { producerRoutes } from './routes/producer.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { modemRoutes } from './routes/modems.js';
import { sessionRoutes } from './routes/session.js';
import { statsRoutes } from './routes/stats.js';
import { systemRoutes, type SystemFacts } from './routes/system.js';
import { SessionSigner } from './session-cookie.js';
import { ussdRoutes } from './routes/ussd.js';
import { workerRoutes } from './routes/worker.js';
import { WARM_UP_ADDRESS } from './warm-up.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who made the request; set by the access hook of routes that require a role (route-access.ts). */
    principal: Principal;
  }
}

/** The HTTP app as the rest of the gateway sees it. */
export type HttpApp = FastifyInstance;

/** What the HTTP adapter needs. */
export interface AppDeps {
  parts: GatewayParts;
  config: Pick<Config, 'tokens' | 'bodyLimitBytes' | 'rateLimit' | 'requestTimeoutMs' | 'maxConnections'>;
  logger?: Logger;
  /** The clock of the rate-limit windows (tests); the system clock by default. */
  clock?: Clock;
  /** The webhook subscriptions, for their admin routes (absent: no admin routes). */
  webhooks?: WebhookDispatcher;
  /** The MQTT bridge, for its metrics (absent: none). */
  mqtt?: MetricsSources['mqtt'];
  /** Limits of SSE streams (tests shorten them). */
  streamLimits?: Partial<StreamLimits>;
  /** The data dir: where the dashboard's session key is kept (absent: a key for this process only). */
  dataDir?: string;
  /** What GET /v1/system shows beside the process's own facts (absent: the config above, no data dir). */
  system?: SystemFacts;
  /** The built dashboard (index.html, assets/); default: dist/dashboard of the package. */
  dashboardDir?: string;
}

/**
 * Builds the fastify app without listening: the katar worker protocol, the producer
 * API, health, metrics and the OpenAPI document. Tests drive it with `inject()`.
 *
 * Each route group is a fastify plugin that declares its own access (route-access.ts) in
 * its encapsulated context; what stays global here is what every request shares: the
 * body parser, the 404 and error handlers, request metrics, and the counters of the
 * rate limits (one RequestGuards, handed to every plugin).
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { parts, config } = deps;
  const app: FastifyInstance = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger.child({ module: 'http' }) as FastifyBaseLogger } : { logger: false }),
    bodyLimit: config.bodyLimitBytes,
    // A request's headers and body must have arrived within requestTimeoutMs, else node
    // answers 408 and closes the connection: a client trickling a body a byte at a time
    // cannot hold a socket (and a file descriptor) for ever. Once a request has arrived
    // the limit stops, so a long-poll (waitMs up to 120 s) is not cut. node checks the
    // deadlines every connectionsCheckingInterval, so that is kept well below the limit.
    requestTimeout: config.requestTimeoutMs,
    http: { headersTimeout: config.requestTimeoutMs, requestTimeout: config.requestTimeoutMs, connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(config.requestTimeoutMs / 4))) },
    // Wrong types are errors, not silently converted; unknown fields are errors, not dropped.
    // verbose: a failure carries the schema of its value, whose description explains a
    // pattern in words (errors.ts).
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false, verbose: true } },
    // One log line per request would cost more than the request at thousands per second;
    // latencies go to /metrics, errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
  });
  // Beyond maxConnections node closes a new connection at once: slow or idle clients
  // cannot take every file descriptor of the process.
  app.server.maxConnections = config.maxConnections;
  // Dashboard sessions exist only with tokens: without them nobody logs in.
  const sessions = config.tokens.length > 0 ? await SessionSigner.open(deps.dataDir) : undefined;
  const guards = new RequestGuards(new Authenticator(config.tokens, sessions), config.rateLimit, deps.clock);
  const metrics = new Metrics({ ...parts, webhooks: deps.webhooks, mqtt: deps.mqtt });

  registerJsonBody(app);
  // Parses the Cookie header for the dashboard's session (auth.ts); cookies are signed by session-cookie.ts.
  await app.register(cookie);
  // JSON is the only body the API takes: a text/plain body (fastify parses it by default)
  // is refused 415 like any other type, not passed on as a string (errors.ts).
  app.removeContentTypeParser('text/plain');
  // A POST without any body (curl -X POST, a poll) is an empty JSON object, as an empty
  // JSON body is (json-body.ts): the route's schema then names what is missing, if anything.
  app.addHook('preValidation', (req, _reply, done) => {
    if (req.body === undefined && req.method === 'POST') req.body = {};
    done();
  });
  app.decorateRequest('principal', undefined as unknown as Principal);
  requireDeclaredAccess(app);
  app.addHook('onResponse', async (req, reply) => {
    // The start-up's own warm-up request (warm-up.ts) is no client's.
    if (req.ip === WARM_UP_ADDRESS) return;
    metrics.observeRequest(req.method, req.routeOptions.url ?? 'unknown', reply.statusCode, reply.elapsedTime / 1000);
  });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((req, reply) => reply.status(404).send(errorBody(404, 'NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`)));

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'katar-sms',
        version: '1',
        description: 'SMS gateway: the katar HTTP worker protocol and the producer API. Client mistakes are answered 4xx with {error, code, message}, never 500. Interactive documentation at /docs.',
        license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
      },
      // Relative: the document describes whichever address the gateway answers on.
      servers: [{ url: '/' }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  // After swagger, so that its onRoute hook sees every route of the plugins.
  await app.register(workerRoutes, { queue: parts.queue, guards });
  await app.register(producerRoutes, { queue: parts.queue, intake: parts.intake, guards });
  await app.register(healthRoutes, { queue: parts.queue, modems: parts.modems, guards });
  await app.register(metricsRoutes, { metrics, guards });
  await app.register(eventRoutes, { events: parts.queue.events, guards, ...(deps.streamLimits && { streamLimits: deps.streamLimits }) });
  if (deps.webhooks) await app.register(webhookRoutes, { webhooks: deps.webhooks, guards });
  await app.register(ussdRoutes, { controls: parts.controls, guards });
  await app.register(sessionRoutes, { guards });
  await app.register(modemRoutes, { modems: parts.modems, guards });
  await app.register(statsRoutes, { queue: parts.queue, guards });
  await app.register(systemRoutes, { queue: parts.queue, gatewayId: parts.id, guards, facts: deps.system ?? { config } });
  await app.register(dashboardRoutes, { guards, ...(deps.dashboardDir !== undefined && { dir: deps.dashboardDir }) });
  // Interactive documentation of /openapi.json, open to anyone like the document itself;
  // loaded on its first request (api-docs.ts).
  await app.register(async (docs) => {
    declareAccess(docs, guards, publicRoutes());
    lazyApiDocs(docs, () => app.swagger());
  });
  return app;
}
