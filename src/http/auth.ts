import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Role, TokenConfig } from '../config.js';
import { KatarError } from '../errors.js';

/** Who made a request: a token's name and role, or anonymous when no tokens are configured. */
export interface Principal {
  name: string;
  role: Role | 'anonymous';
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * Bearer-token authentication with roles. Tokens are compared as SHA-256 digests with
 * timingSafeEqual, so neither the content nor the length of a token leaks through
 * timing. With no tokens configured everything is allowed (the server then listens on
 * loopback only; see assertSafeListen).
 */
export class Authenticator {
  readonly #tokens: Array<{ digest: Buffer; name: string; role: Role }>;

  constructor(tokens: TokenConfig[]) {
    this.#tokens = tokens.map((t) => ({ digest: digest(t.token), name: t.name, role: t.role }));
  }

  get enabled(): boolean {
    return this.#tokens.length > 0;
  }

  /** Identifies the caller; UNAUTHORIZED without a known token. */
  identify(req: FastifyRequest): Principal {
    if (!this.enabled) return { name: 'anonymous', role: 'anonymous' };
    const header = req.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!m) throw new KatarError('UNAUTHORIZED', 'an Authorization: Bearer <token> header is required');
    const d = digest(m[1]!);
    let found: Principal | undefined;
    for (const t of this.#tokens) if (timingSafeEqual(t.digest, d)) found = { name: t.name, role: t.role };
    if (!found) throw new KatarError('UNAUTHORIZED', 'the token is not valid');
    return found;
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
