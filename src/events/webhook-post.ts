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
 * One POST of a signed request with global fetch: answered 2xx within `timeoutMs` is
 * delivered, anything else is a failure with its reason. Redirects are not followed (a
 * 3xx is a failure: the body and signature were meant for this URL). `stop` aborts it.
 */
export async function postOnce(url: string, req: SignedRequest, timeoutMs: number, stop: AbortSignal): Promise<PostOutcome> {
  const started = performance.now();
  const ms = (): number => Math.round(performance.now() - started);
  // An own timer, not AbortSignal.any([stop, AbortSignal.timeout()]): on Node 20 the
  // timeout signal inside `any` can be garbage-collected and never fire, leaving a
  // request to a silent receiver pending forever.
  const abort = new AbortController();
  const onStop = (): void => abort.abort(stop.reason);
  const timer = setTimeout(() => abort.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
  if (stop.aborted) onStop();
  else stop.addEventListener('abort', onStop, { once: true });
  try {
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers: req.headers, body: req.body, signal: abort.signal, redirect: 'manual' });
    } catch (err) {
      return { ok: false, reason: reasonOf(err, timeoutMs, stop), ...(isTimeout(err) ? {} : { err }), ms: ms() };
    }
    // The status decides; an answer body cut short after it changes nothing.
    await drain(res).catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, ms: ms() };
    return { ok: false, status: res.status, reason: `HTTP ${res.status}`, ms: ms() };
  } finally {
    clearTimeout(timer);
    stop.removeEventListener('abort', onStop);
  }
}

/** Reads up to DRAIN_BYTES of the answer, then cancels the rest (a receiver may stream forever). */
async function drain(res: Response): Promise<void> {
  if (!res.body) return;
  const reader = res.body.getReader();
  let seen = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    seen += value.byteLength;
    if (seen > DRAIN_BYTES) {
      await reader.cancel();
      return;
    }
  }
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
  const e = err as { name?: string; cause?: { code?: unknown } } | undefined;
  const code = typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
  if (code) return `${CONNECTION_ERRORS[code] ?? 'request failed'} (${code})`;
  return `request failed (${e?.name ?? 'error'})`;
}

function isTimeout(err: unknown): boolean {
  return (err as { name?: unknown } | undefined)?.name === 'TimeoutError';
}
