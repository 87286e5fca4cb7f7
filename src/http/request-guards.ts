import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Clock } from '../clock.js';
import type { Config, Role } from '../config.js';
import { isKatarError, KatarError } from '../errors.js';
import type { Authenticator, Principal } from './auth.js';
import { RateLimiter, type Take } from './rate-limiter.js';

/**
 * A producer budget: `send` costs one per message (a batch of 1,000 costs 1,000), `read`
 * one per request.
 */
export type Budget = 'send' | 'read';

const seconds = (ms: number): string => `${Math.ceil(ms / 1000)} s`;

function refuse(t: Exclude<Take, { ok: true }>, message: string): never {
  throw new KatarError('RATE_LIMITED', message, { retryAfterMs: t.retryAfterMs });
}

/** Whose budget a request draws on: its token, or its address without tokens. */
function budgetKey(req: FastifyRequest): string {
  return req.principal && req.principal.role !== 'anonymous' ? `token:${req.principal.name}` : `ip:${req.ip}`;
}

/**
 * Authentication and the rate limits, one object for the whole app so that every route
 * plugin draws on the same counters; each plugin applies them in hooks of its own
 * (route-access.ts, and `budget` on its routes):
 *
 * - `authenticate`: an address with more than `rateLimit.authFailures` failed
 *   authentications in a window is refused before its token is even looked at, so a
 *   token cannot be guessed at line speed, and other addresses are not affected; the
 *   failures of every plugin count together;
 * - `budget`: producer routes draw on two budgets per token (per address without
 *   tokens), after the body is validated: `rateLimit.max` messages sent and
 *   `rateLimit.max` other requests per window. A batch larger than what is left is
 *   refused whole, 429 with Retry-After, and nothing is stored.
 */
export class RequestGuards {
  readonly #auth: Authenticator;
  readonly #limits: Config['rateLimit'];
  readonly #failures: RateLimiter;
  readonly #budgets: Record<Budget, RateLimiter>;

  constructor(auth: Authenticator, limits: Config['rateLimit'], clock?: Clock) {
    const window = { windowMs: limits.windowMs, ...(clock && { clock }) };
    this.#auth = auth;
    this.#limits = limits;
    this.#failures = new RateLimiter({ max: limits.authFailures, ...window });
    this.#budgets = { send: new RateLimiter({ max: limits.max, ...window }), read: new RateLimiter({ max: limits.max, ...window }) };
  }

  /** Identifies the caller and checks that it may use a route for `roles` (admin always may). */
  authenticate(req: FastifyRequest, roles: readonly Role[]): Principal {
    const limits = this.#limits;
    const address = `ip:${req.ip}`;
    if (this.#auth.enabled) {
      const blocked = this.#failures.check(address);
      if (!blocked.ok) refuse(blocked, `too many failed authentications from ${req.ip} (rate limit of ${limits.authFailures} per ${seconds(limits.windowMs)}); retry in ${seconds(blocked.retryAfterMs)}`);
    }
    try {
      return this.#auth.require(req, roles);
    } catch (err) {
      // A session that ended is no guess (a cookie's signature cannot be guessed): the
      // dashboard's requests after a logout elsewhere must not lock the address out.
      if (isKatarError(err, 'UNAUTHORIZED') && err.details?.session !== true) this.#failures.charge(address);
      throw err;
    }
  }

  /** The authentication of tokens and dashboard sessions. */
  get auth(): Authenticator {
    return this.#auth;
  }

  /**
   * Looks up a token given in a body (the dashboard's login), under the same limit of
   * failed authentications per address as bearer tokens: UNAUTHORIZED when unknown.
   */
  identifyToken(req: FastifyRequest, token: string): Principal {
    const address = `ip:${req.ip}`;
    const blocked = this.#failures.check(address);
    if (!blocked.ok) refuse(blocked, `too many failed authentications from ${req.ip} (rate limit of ${this.#limits.authFailures} per ${seconds(this.#limits.windowMs)}); retry in ${seconds(blocked.retryAfterMs)}`);
    const found = this.#auth.findToken(token);
    if (found) return found;
    this.#failures.charge(address);
    throw new KatarError('UNAUTHORIZED', 'the token is not valid');
  }

  /** A route's preHandler hook that draws on `kind` (it runs after the body is validated, so a bad request costs nothing). */
  budget(kind: Budget): preHandlerAsyncHookHandler {
    const limits = this.#limits;
    const budget = this.#budgets[kind];
    return async (req) => {
      const body = req.body as { messages?: unknown } | undefined;
      const cost = kind === 'send' && Array.isArray(body?.messages) ? body.messages.length : 1;
      const per = `per ${seconds(limits.windowMs)}`;
      if (cost > limits.max) {
        refuse({ ok: false, retryAfterMs: limits.windowMs, remaining: 0 }, `a batch of ${cost} messages exceeds the rate limit of ${limits.max} messages ${per}; send it in smaller batches`);
      }
      const t = budget.take(budgetKey(req), cost);
      if (t.ok) return;
      const unit = kind === 'send' ? 'messages' : 'requests';
      refuse(t, `rate limit of ${limits.max} ${unit} ${per} exceeded (${t.remaining} left in this window, ${cost} asked); retry in ${seconds(t.retryAfterMs)}`);
    };
  }
}
