/**
 * A small client of a running katar-sms server for `send` and `status`: JSON over the
 * global fetch, the server's coded errors kept, and "nobody listens" told apart from a
 * refusal so that the commands can say which.
 */
import { UsageError } from './args.js';

/** The server answered with an error body (`{error, code, message, field?}`). */
export class ApiRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiRefusal';
  }
}

/** Nothing answered at the URL (refused, unknown host, timeout). */
export class ServerUnreachable extends Error {
  constructor(
    readonly server: string,
    readonly reason: string,
  ) {
    super(`no katar-sms server at ${server} (${reason})`);
    this.name = 'ServerUnreachable';
  }
}

/** Where the server is and how to authenticate. */
export interface ApiClientOptions {
  server: string;
  token?: string;
  /** Per-request deadline. Default 10 s. */
  timeoutMs?: number;
}

/** Default server when neither --server nor KATAR_SERVER is given (serve's default listen). */
export const DEFAULT_SERVER = 'http://127.0.0.1:3000';

/** The server URL from the flag, the environment or the default; UsageError when it is not http(s). */
export function serverUrl(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  const raw = flag ?? env.KATAR_SERVER ?? DEFAULT_SERVER;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--server must be a URL such as ${DEFAULT_SERVER}, not "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--server must be an http:// or https:// URL, not "${raw}"`);
  return raw.replace(/\/+$/, '');
}

/** Sends one request; resolves with the parsed JSON body of a 2xx answer. */
export async function apiRequest<T>(opts: ApiClientOptions, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let res: Response;
  try {
    res = await fetch(`${opts.server}${path}`, {
      method,
      headers,
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
  } catch (err) {
    throw new ServerUnreachable(opts.server, networkReason(err));
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (res.ok) return json as T;
  const e = (json ?? {}) as { code?: unknown; message?: unknown; field?: unknown };
  const message = typeof e.message === 'string' ? e.message : `HTTP ${res.status} ${res.statusText}`;
  throw new ApiRefusal(res.status, typeof e.code === 'string' ? e.code : `HTTP_${res.status}`, message, typeof e.field === 'string' ? e.field : undefined);
}

/** undici wraps the socket error: `TypeError: fetch failed` with `cause.code` ECONNREFUSED etc. */
function networkReason(err: unknown): string {
  const e = err as { name?: string; cause?: { code?: string; message?: string }; message?: string };
  if (e?.name === 'TimeoutError') return 'no answer in time';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

/** One line for a refusal, naming the field the server named. */
export function refusalText(err: ApiRefusal): string {
  return `server refused (${err.status} ${err.code}${err.field ? `, field ${err.field}` : ''}): ${err.message}`;
}
