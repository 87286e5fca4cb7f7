/**
 * A small client of a running katar-sms server for the commands that talk to one: JSON
 * over the global fetch, the server's coded errors kept, and "nobody listens" told apart
 * from a refusal so that the commands can say which.
 */
import { UsageError } from './args.js';

/** The server answered with an error body (`{error, code, message, field?}`, and what else it said in `body`). */
export class ApiRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly body: Readonly<Record<string, unknown>> = {},
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
  /** Ends a request early (Ctrl-C of a command that runs until stopped). */
  signal?: AbortSignal;
}

/** The client options of a command from its --server and --token flags, else the environment. */
export function clientOptions(flags: { server?: string | undefined; token?: string | undefined }, env: Readonly<Record<string, string | undefined>>): ApiClientOptions {
  const token = flags.token ?? env.KATAR_TOKEN;
  return { server: serverUrl(flags.server, env), ...(token && { token }) };
}

/** The request headers every call carries: what it accepts and the bearer token. */
export function requestHeaders(opts: ApiClientOptions, accept = 'application/json'): Record<string, string> {
  const headers: Record<string, string> = { accept };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  return headers;
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
export async function apiRequest<T>(opts: ApiClientOptions, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers = requestHeaders(opts);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const deadline = AbortSignal.timeout(opts.timeoutMs ?? 10_000);
  let res: Response;
  try {
    res = await fetch(`${opts.server}${path}`, {
      method,
      headers,
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: opts.signal ? AbortSignal.any([deadline, opts.signal]) : deadline,
    });
  } catch (err) {
    throw new ServerUnreachable(opts.server, networkReason(err));
  }
  const text = await res.text();
  if (res.ok) return parseJson(text) as T;
  throw refusalOf(res, text);
}

/** The refusal a non-2xx answer stands for, from its body (`text`). */
export function refusalOf(res: Response, text: string): ApiRefusal {
  const json = parseJson(text);
  const e = (json !== null && typeof json === 'object' ? json : {}) as Record<string, unknown>;
  const message = typeof e.message === 'string' ? e.message : `HTTP ${res.status} ${res.statusText}`;
  return new ApiRefusal(res.status, typeof e.code === 'string' ? e.code : `HTTP_${res.status}`, message, typeof e.field === 'string' ? e.field : undefined, e);
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Whether asking again later may succeed: the server is busy, restarting or not answering. */
export function worthRetrying(err: unknown): boolean {
  return err instanceof ServerUnreachable || (err instanceof ApiRefusal && (err.status === 429 || err.status >= 500));
}

/** undici wraps the socket error: `TypeError: fetch failed` with `cause.code` ECONNREFUSED etc. */
export function networkReason(err: unknown): string {
  const e = err as { name?: string; cause?: { code?: string; message?: string }; message?: string };
  if (e?.name === 'TimeoutError') return 'no answer in time';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

/** One line for a refusal, naming the field the server named. */
export function refusalText(err: ApiRefusal): string {
  return `server refused (${err.status} ${err.code}${err.field ? `, field ${err.field}` : ''}): ${err.message}`;
}
