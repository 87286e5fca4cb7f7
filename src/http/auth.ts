import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Role, TokenConfig } from '../config.js';
import { KatarError } from '../errors.js';
import { SESSION_COOKIE, type SessionClaims, type SessionSigner } from './session-cookie.js';

/** Who made a request: a token's name and role, or anonymous when no tokens are configured. */
export interface Principal {
  name: string;
  role: Role | 'anonymous';
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Methods that change something: with a session cookie they need the session's CSRF token. */
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The header a cookie-authenticated state-changing request carries its CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

/** A request's valid dashboard session: who it is and the cookie's claims. */
export interface Session {
  principal: Principal;
  claims: SessionClaims;
}

/**
 * Bearer-token authentication with roles. Tokens are compared as SHA-256 digests with
 * timingSafeEqual, so neither the content nor the length of a token leaks through
 * timing. With no tokens configured everything is allowed (the server then listens on
 * loopback only; see assertSafeListen).
 *
 * A dashboard session cookie (session-cookie.ts) stands for the token it was opened
 * with, same name and role, as long as that token is configured with the same value.
 * A request with an Authorization header is judged by the header alone. A cookie cannot
 * tell a request the user made from one another site made the browser send, so a
 * state-changing request authenticated by it must also carry the session's CSRF token
 * in `x-csrf-token` (a header no other site can set); a bearer token needs none.
 */
export class Authenticator {
  readonly #tokens: Array<{ digest: Buffer; name: string; role: Role; fingerprint?: string }>;
  readonly #sessions: SessionSigner | undefined;

  constructor(tokens: TokenConfig[], sessions?: SessionSigner) {
    this.#tokens = tokens.map((t) => ({ digest: digest(t.token), name: t.name, role: t.role, ...(sessions && { fingerprint: sessions.fingerprint(t.token) }) }));
    this.#sessions = sessions;
  }

  get enabled(): boolean {
    return this.#tokens.length > 0;
  }

  /** The signer of dashboard sessions, when sessions are on. */
  get sessions(): SessionSigner | undefined {
    return this.#sessions;
  }

  /** The configured token with this value, if any (compared as digests, in constant time). */
  findToken(token: string): Principal | undefined {
    const d = digest(token);
    let found: Principal | undefined;
    for (const t of this.#tokens) if (timingSafeEqual(t.digest, d)) found = { name: t.name, role: t.role };
    return found;
  }

  /**
   * The valid session of the request's cookie: signed by this gateway, not expired or
   * logged out, and its token still configured with the same value and not a worker's.
   */
  session(req: FastifyRequest): Session | undefined {
    const raw = req.cookies?.[SESSION_COOKIE];
    if (!this.#sessions || !this.enabled || raw === undefined) return undefined;
    const claims = this.#sessions.verify(raw);
    if (!claims) return undefined;
    const t = this.#tokens.find((x) => x.name === claims.tokenName && x.fingerprint === claims.fingerprint);
    if (!t || t.role === 'worker') return undefined;
    return { principal: { name: t.name, role: t.role }, claims };
  }

  /** Identifies the caller; UNAUTHORIZED without a known token or session, CSRF_REJECTED for a session's change without its CSRF token. */
  identify(req: FastifyRequest): Principal {
    if (!this.enabled) return { name: 'anonymous', role: 'anonymous' };
    const header = req.headers.authorization;
    if (header === undefined && req.cookies?.[SESSION_COOKIE] !== undefined && this.#sessions) return this.#fromSession(req);
    const m = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!m) throw new KatarError('UNAUTHORIZED', 'an Authorization: Bearer <token> header is required');
    const found = this.findToken(m[1]!);
    if (!found) throw new KatarError('UNAUTHORIZED', 'the token is not valid');
    return found;
  }

  #fromSession(req: FastifyRequest): Principal {
    const s = this.session(req);
    if (!s) throw new KatarError('UNAUTHORIZED', 'the session has ended (logged out, expired, or its token is no longer configured); log in again', { session: true });
    if (STATE_CHANGING.has(req.method) && !this.#sessions!.checkCsrf(s.claims.sessionId, req.headers[CSRF_HEADER])) {
      throw new KatarError('CSRF_REJECTED', `a change made with a session cookie needs the session's CSRF token in the ${CSRF_HEADER} header`);
    }
    return s.principal;
  }

  /** Identifies the caller and checks that its role may use a route for `roles`. */
  require(req: FastifyRequest, roles: readonly Role[]): Principal {
    const p = this.identify(req);
    if (p.role !== 'anonymous' && p.role !== 'admin' && !roles.includes(p.role)) {
      throw new KatarError('FORBIDDEN', `a ${p.role} token cannot use this route (needs ${roles.join(' or ')})`);
    }
    return p;
  }
}
