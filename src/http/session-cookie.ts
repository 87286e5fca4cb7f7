import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

/** The name of the dashboard's session cookie. */
export const SESSION_COOKIE = 'katar_session';

/** A session lasts at most this long after login (not sliding): then the token is asked again. */
export const SESSION_MAX_AGE_MS = 12 * 60 * 60 * 1000;

/** The file in the data dir that holds the signing key, so sessions survive a restart. */
export const SESSION_KEY_FILE = 'session-key';

const KEY_BYTES = 32;
/** Bytes of the token fingerprint a cookie carries. */
const FINGERPRINT_BYTES = 12;

/** What a session cookie says, once its signature and age are checked. */
export interface SessionClaims {
  /** The name of the token the session was opened with. */
  tokenName: string;
  /** HMAC(key, token) prefix: the session ends when the token's value changes or goes. */
  fingerprint: string;
  issuedAt: number;
  /** Random id of this session: the CSRF token is derived from it, logout revokes it. */
  sessionId: string;
}

const b64 = (b: Buffer): string => b.toString('base64url');

/**
 * Stateless dashboard sessions: the cookie is `v1.<claims>.<signature>`, the claims
 * base64url JSON and the signature HMAC-SHA256 under a key kept in the data dir
 * (`session-key`, mode 0600). Nothing per session is stored, so sessions survive a
 * restart; each request checks the signature, the age, and (auth.ts) that a configured
 * token still has the cookie's name and fingerprint, so removing or changing a token
 * in the config ends its sessions.
 *
 * Logout revokes the session id in memory until the session would have expired anyway.
 * A restart forgets those revocations: a cookie copied before a logout would work again
 * for what is left of its 12 hours. The browser drops the cookie at logout, so this
 * needs a stolen cookie, and the max age bounds it; a persisted revocation list would
 * make every logout a disk write for little gain.
 */
export class SessionSigner {
  readonly #key: Buffer;
  readonly #now: () => number;
  /** Revoked session ids and when they would have expired. */
  readonly #revoked = new Map<string, number>();

  constructor(key: Buffer, now: () => number = Date.now) {
    this.#key = key;
    this.#now = now;
  }

  /**
   * The signer with the key of `dataDir` (made on first use), or with a key for this
   * process only when there is no data dir (sessions then end with the process).
   */
  static async open(dataDir: string | undefined, now?: () => number): Promise<SessionSigner> {
    return new SessionSigner(dataDir === undefined ? randomBytes(KEY_BYTES) : await loadKey(dataDir), now);
  }

  /** The fingerprint of a token value as cookies carry it. */
  fingerprint(token: string): string {
    return b64(this.#mac(`token:${token}`).subarray(0, FINGERPRINT_BYTES));
  }

  /** The CSRF token of a session: what its state-changing requests send as `x-csrf-token`. */
  csrfToken(sessionId: string): string {
    return b64(this.#mac(`csrf:${sessionId}`));
  }

  /** True when `given` is the CSRF token of `sessionId` (compared in constant time). */
  checkCsrf(sessionId: string, given: unknown): boolean {
    if (typeof given !== 'string') return false;
    return safeEqual(Buffer.from(given), Buffer.from(this.csrfToken(sessionId)));
  }

  /** A new session for the token `tokenName` with value `token`: the cookie value and its claims. */
  issue(tokenName: string, token: string): { cookie: string; claims: SessionClaims } {
    const claims: SessionClaims = { tokenName, fingerprint: this.fingerprint(token), issuedAt: this.#now(), sessionId: b64(randomBytes(16)) };
    const body = b64(Buffer.from(JSON.stringify({ n: claims.tokenName, f: claims.fingerprint, t: claims.issuedAt, s: claims.sessionId })));
    return { cookie: `v1.${body}.${b64(this.#mac(`v1.${body}`))}`, claims };
  }

  /** The claims of a cookie value, or undefined when it is forged, malformed, expired or revoked. */
  verify(cookie: unknown): SessionClaims | undefined {
    if (typeof cookie !== 'string' || cookie.length > 1024) return undefined;
    const [version, body, sig, extra] = cookie.split('.');
    if (version !== 'v1' || !body || !sig || extra !== undefined) return undefined;
    if (!safeEqual(Buffer.from(sig), Buffer.from(b64(this.#mac(`v1.${body}`))))) return undefined;
    let raw: { n?: unknown; f?: unknown; t?: unknown; s?: unknown };
    try {
      raw = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as typeof raw;
    } catch {
      return undefined;
    }
    if (typeof raw.n !== 'string' || typeof raw.f !== 'string' || typeof raw.t !== 'number' || typeof raw.s !== 'string') return undefined;
    const now = this.#now();
    // A minute of tolerance for a clock set back a little; beyond it, the cookie is not trusted.
    if (raw.t > now + 60_000 || now - raw.t > SESSION_MAX_AGE_MS) return undefined;
    if (this.#revoked.has(raw.s)) return undefined;
    return { tokenName: raw.n, fingerprint: raw.f, issuedAt: raw.t, sessionId: raw.s };
  }

  /** Ends a session (logout) for the rest of its life in this process. */
  revoke(claims: SessionClaims): void {
    const now = this.#now();
    for (const [id, until] of this.#revoked) if (until <= now) this.#revoked.delete(id);
    this.#revoked.set(claims.sessionId, claims.issuedAt + SESSION_MAX_AGE_MS);
  }

  #mac(text: string): Buffer {
    return createHmac('sha256', this.#key).update(text).digest();
  }
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Reads the key of `dataDir`, or makes one: written to a temporary file with mode 0600
 * and renamed into place, so a crash never leaves a short key behind. A file that is
 * not a whole key (edited by hand) is replaced, which ends the sessions signed with it.
 */
async function loadKey(dataDir: string): Promise<Buffer> {
  const path = join(dataDir, SESSION_KEY_FILE);
  const existing = await readFile(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (existing && existing.length === KEY_BYTES) return existing;
  await mkdir(dataDir, { recursive: true });
  const key = randomBytes(KEY_BYTES);
  const tmp = `${path}.${process.pid}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(key);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  return key;
}
