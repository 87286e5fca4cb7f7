import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { KatarError } from '../../errors.js';
import { EVENT_TYPES, isEventType, type EventType, type GatewayEvent } from '../../queue/gateway-event.js';
import type { EventLog } from '../../queue/sms-queue.js';

/** Limits of one SSE connection. */
export interface StreamLimits {
  /** A comment line this often keeps proxies and load balancers from closing an idle stream. */
  heartbeatMs: number;
  /** Bytes the server buffers for a client that does not read; past it the client is cut off (it resumes by id). */
  maxBufferedBytes: number;
  /** How long a full buffer may take to drain before the client is cut off. */
  drainTimeoutMs: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = { heartbeatMs: 15_000, maxBufferedBytes: 1024 * 1024, drainTimeoutMs: 30_000 };

/** Characters of frames written as one chunk. */
const CHUNK_CHARS = 64 * 1024;

/** Events per read from the log while a stream catches up. */
const BATCH = 200;

/** Parses `types=a,b` (VALIDATION naming `types` for an unknown one). */
export function parseTypes(raw: string | undefined): EventType[] | undefined {
  if (raw === undefined || raw === '') return undefined;
  const types = raw.split(',').map((s) => s.trim());
  for (const t of types) {
    if (!isEventType(t)) throw new KatarError('VALIDATION', `types must be a comma-separated list of ${EVENT_TYPES.join(', ')}; "${t.slice(0, 40)}" is none of them`, { field: 'types' });
  }
  return types as EventType[];
}

/** Parses an event id cursor (`after`, `Last-Event-ID`): a non-negative integer. */
export function parseCursor(raw: string | undefined, field: string): number {
  if (raw === undefined || raw === '') return 0;
  if (!/^\d{1,15}$/.test(raw)) throw new KatarError('VALIDATION', `${field} must be an event id (a whole number of up to 15 digits)`, { field });
  return Number(raw);
}

/** One event as SSE: `id:`, `event:`, `data:` and the blank line. JSON has no raw newline. */
export function sseFrame(ev: GatewayEvent): string {
  let frame = FRAMES.get(ev);
  if (frame === undefined) {
    frame = `id: ${ev.id}\nevent: ${ev.type}\ndata: ${JSON.stringify(ev)}\n\n`;
    FRAMES.set(ev, frame);
  }
  return frame;
}

/**
 * Frames of recent events, made once and shared by every client: the log hands each
 * client the same event objects (its tail), so ten clients cost one JSON.stringify per
 * event, not ten. Weak: a frame goes with its event.
 */
const FRAMES = new WeakMap<GatewayEvent, string>();

/**
 * The open SSE connections, so that a stopping server can end them (fastify waits for
 * open connections on close).
 */
export class OpenStreams {
  readonly #ends = new Set<() => void>();

  add(end: () => void): () => void {
    this.#ends.add(end);
    return () => this.#ends.delete(end);
  }

  get size(): number {
    return this.#ends.size;
  }

  endAll(): void {
    for (const end of [...this.#ends]) end();
  }
}

/**
 * Serves one SSE stream: replays the log after `after`, then follows it live. Reads
 * the log in batches and writes the next batch only once the socket took the last one;
 * within a batch, once more than `maxBufferedBytes` wait for the socket, so the server
 * holds at most one batch and never much past the limit per client. A client whose
 * buffer stays full (not drained within `drainTimeoutMs`) is disconnected and resumes
 * with Last-Event-ID. The expired-cursor check happens before the first byte
 * (410 as JSON).
 */
export async function serveStream(req: FastifyRequest, reply: FastifyReply, log: EventLog, open: OpenStreams, opts: { after: number; types?: EventType[] | undefined; limits: StreamLimits }): Promise<void> {
  // Answers 410 (EVENTS_EXPIRED) through the error handler while nothing is sent yet.
  const types = opts.types;
  let first = await log.read(opts.after, { limit: BATCH, ...(types && { types }) });
  reply.hijack();
  const res: ServerResponse = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // nginx buffers proxied answers unless told not to.
    'x-accel-buffering': 'no',
  });
  res.write(`retry: 2000\n\n`);
  let closed = false;
  let wake: (() => void) | undefined;
  const end = (): void => {
    if (closed) return;
    closed = true;
    wake?.();
    res.end();
  };
  const forget = open.add(end);
  const cut = (): void => {
    if (closed) return;
    closed = true;
    wake?.();
    res.destroy();
  };
  const onEvent = (): void => wake?.();
  log.on('event', onEvent);
  req.raw.on('close', end);
  res.on('close', end);
  const heartbeat = setInterval(() => {
    if (!closed && res.writableLength <= opts.limits.maxBufferedBytes) res.write(': heartbeat\n\n');
  }, opts.limits.heartbeatMs);
  heartbeat.unref();

  /** Waits until the socket took what was written, or cuts the client off. */
  const drained = (): Promise<void> =>
    new Promise<void>((resolve) => {
      if (res.writableLength <= opts.limits.maxBufferedBytes && !res.writableNeedDrain) return resolve();
      const timer = setTimeout(() => {
        cut();
        resolve();
      }, opts.limits.drainTimeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });

  try {
    let cursor = opts.after;
    let page = first;
    for (;;) {
      // Writes made in one tick stay in the stream's buffer until the socket's write
      // callback, so writableLength after a whole batch is the batch, not the client's
      // lag: past the limit, wait for the socket to take it (or cut the client) frame by
      // frame. A batch larger than the limit then never cuts a client that reads.
      // Frames go out in chunks of up to 64 KiB: one write (one HTTP chunk) per chunk.
      let chunk = '';
      for (const ev of page.events) {
        if (closed) break;
        chunk += sseFrame(ev);
        if (chunk.length < CHUNK_CHARS) continue;
        res.write(chunk);
        chunk = '';
        if (res.writableLength > opts.limits.maxBufferedBytes) await drained();
      }
      if (chunk && !closed) res.write(chunk);
      const progressed = page.next > cursor;
      cursor = page.next;
      if (closed) break;
      await drained();
      if (closed) break;
      if (!progressed || cursor >= log.bounds().newest) {
        // Caught up: sleep until the next event (or the end).
        await new Promise<void>((resolve) => {
          wake = resolve;
          if (log.bounds().newest > cursor || closed) resolve();
        });
        wake = undefined;
        if (closed) break;
      }
      page = await log.read(cursor, { limit: BATCH, ...(types && { types }) });
    }
  } catch (err) {
    // An expired cursor mid-stream (retention overtook a very slow client) or a read
    // error: the client reconnects and gets the 410 or the error as an answer.
    req.log.info({ err }, 'event stream ended');
    cut();
  } finally {
    first = { events: [], next: 0 };
    clearInterval(heartbeat);
    log.off('event', onEvent);
    forget();
  }
}
