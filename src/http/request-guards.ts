import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { isKatarError, KatarError } from '../errors.js';
import type { Authenticator } from './auth.js';
import { RateLimiter, type Take } from './rate-limiter.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The producer budget the route draws on: `send` costs one per message (a batch of
     * 1,000 costs 1,000), `read` one per request.
     */
    limit?: 'send' | 'read';
  }
}

const seconds = (ms: number): string => `${Math.ceil(ms / 1000)} s`;

function refuse(t: Exclude<Take, { ok: true }>, message: string): never {
  throw new KatarError('RATE_LIMITED', message, { retryAfterMs: t.retryAfterMs });
}

/** Whose budget a request draws on: its token, or its address without tokens. */
function budgetKey(req: FastifyRequest): string {
  return req.principal && req.principal.role !== 'anonymous' ? `token:${req.principal.name}` : `ip:${req.ip}`;
}

/**
 * Authentication and the rate limits, as fastify hooks:
 *
 * - every non-public route authenticates in `onRequest`; an address with more than
 *   `rateLimit.authFailures` failed authentications in a window is refused before its
 *   token is even looked at, so a token cannot be guessed at line speed, and other
 *   addresses are not affected;
 * - producer routes draw on two budgets per token (per address without tokens) in
 *   `preHandler`, after the body is validated: `rateLimit.max` messages sent and
 *   `rateLimit.max` other requests per window. A batch larger than what is left is
 *   refused whole, 429 with Retry-After, and nothing is stored.
 */
export function installRequestGuards(app: FastifyInstance, auth: Authenticator, limits: Config['rateLimit'], clock?: Clock): void {
  const window = { windowMs: limits.windowMs, ...(clock && { clock }) };
  const failures = new RateLimiter({ max: limits.authFailures, ...window });
  const budgets = { send: new RateLimiter({ max: limits.max, ...window }), read: new RateLimiter({ max: limits.max, ...window }) };

  app.addHook('onRequest', async (req) => {
    const cfg = req.routeOptions.config;
    if (cfg.public || !req.routeOptions.url) return;
    const address = `ip:${req.ip}`;
    if (auth.enabled) {
      const blocked = failures.check(address);
      if (!blocked.ok) refuse(blocked, `too many failed authentications from ${req.ip} (rate limit of ${limits.authFailures} per ${seconds(limits.windowMs)}); retry in ${seconds(blocked.retryAfterMs)}`);
    }
    try {
      req.principal = auth.require(req, cfg.roles ?? ['admin']);
    } catch (err) {
      if (isKatarError(err, 'UNAUTHORIZED')) failures.charge(address);
      throw err;
    }
  });

  app.addHook('preHandler', async (req) => {
    const kind = req.routeOptions.config.limit;
    if (!kind) return;
    const body = req.body as { messages?: unknown } | undefined;
    const cost = kind === 'send' && Array.isArray(body?.messages) ? body.messages.length : 1;
    const per = `per ${seconds(limits.windowMs)}`;
    if (cost > limits.max) {
      refuse({ ok: false, retryAfterMs: limits.windowMs, remaining: 0 }, `a batch of ${cost} messages exceeds the rate limit of ${limits.max} messages ${per}; send it in smaller batches`);
    }
    const t = budgets[kind].take(budgetKey(req), cost);
    if (t.ok) return;
    const unit = kind === 'send' ? 'messages' : 'requests';
    refuse(t, `rate limit of ${limits.max} ${unit} ${per} exceeded (${t.remaining} left in this window, ${cost} asked); retry in ${seconds(t.retryAfterMs)}`);
  });
}
