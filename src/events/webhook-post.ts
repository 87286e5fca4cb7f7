import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { SignedRequest } from './webhook-signature.js';

/** How one POST went. `reason` (failures only) names a status, a timeout or a connection error, never the URL. */
export interface PostOutcome {
  ok: boolean;
  status?: number;
  reason?: string;
  /** The thrown error of a connection failure, for the log's `err` (a timeout says all in `reason`). */
  err?: unknown;
  ms: number;
}

/** Most of an answer's body read (and thrown away) so the connection can be kept alive. */
const DRAIN_BYTES = 64 * 1024;

/**
 * Connections kept open between deliveries, one pool per scheme: a subscription POSTs
 * event after event to the same receiver. node:http, not global fetch: a POST through
 * fetch costs about eight times the CPU (bench/events.mjs, docs/PERFORMANCE.md), taken
 * from the sends on the same event loop.
 */
const AGENTS = { 'http:': new HttpAgent({ keepAlive: true, maxSockets: 4 }), 'https:': new HttpsAgent({ keepAlive: true, maxSockets: 4 }) };

class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/**
 * One POST of a signed request: answered 2xx within `timeoutMs` is delivered, anything
 * else is a failure with its reason. Redirects are not followed (a 3xx is a failure: the
 * body and signature were meant for this URL). `stop` aborts it.
 */
export function postOnce(url: string, req: SignedRequest, timeoutMs: number, stop: AbortSignal): Promise<PostOutcome> {
  const started = performance.now();
  const ms = (): number => Math.round(performance.now() - started);
  return new Promise<PostOutcome>((resolve) => {
    let settled = false;
    const finish = (o: PostOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stop.removeEventListener('abort', onStop);
      resolve(o);
    };
    const fail = (err: unknown): void => finish({ ok: false, reason: reasonOf(err, timeoutMs, stop), ...(isTimeout(err) || stop.aborted ? {} : { err }), ms: ms() });
    const target = new URL(url);
    const scheme = target.protocol === 'https:' ? 'https:' : 'http:';
    const body = req.body;
    const send = scheme === 'https:' ? httpsRequest : httpRequest;
    const request = send(target, { method: 'POST', agent: AGENTS[scheme], headers: { ...req.headers, 'content-length': String(body.length) } }, (res) => {
      const status = res.statusCode ?? 0;
      let seen = 0;
      // The status decides; the answer is read (up to a limit) only to keep the connection.
      res.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen > DRAIN_BYTES) res.destroy();
      });
      res.on('error', () => undefined);
      const done = (): void => finish(status >= 200 && status < 300 ? { ok: true, status, ms: ms() } : { ok: false, status, reason: `HTTP ${status}`, ms: ms() });
      res.on('end', done);
      res.on('close', done);
    });
    // An own timer: a receiver that accepts and never answers must not hold the subscription.
    const timer = setTimeout(() => request.destroy(new TimeoutError(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const onStop = (): void => void request.destroy(new Error('stopped'));
    if (stop.aborted) onStop();
    else stop.addEventListener('abort', onStop, { once: true });
    request.on('error', fail);
    request.end(body);
  });
}

const CONNECTION_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_SOCKET: 'connection closed by the receiver',
};

/** A short reason built from codes and names only: error messages may quote the URL. */
function reasonOf(err: unknown, timeoutMs: number, stop: AbortSignal): string {
  if (stop.aborted) return 'stopped';
  if (isTimeout(err)) return `no answer within ${timeoutMs} ms`;
  const e = err as { name?: string; code?: unknown; cause?: { code?: unknown } } | undefined;
  const code = typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
  if (code) return `${CONNECTION_ERRORS[code] ?? 'request failed'} (${code})`;
  return `request failed (${e?.name ?? 'error'})`;
}

function isTimeout(err: unknown): boolean {
  return (err as { name?: unknown } | undefined)?.name === 'TimeoutError';
}
