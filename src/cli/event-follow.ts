/**
 * Following a server's event stream (GET /v1/events/stream, server-sent events) for
 * `katar-sms events --follow`. After a drop it reconnects with `Last-Event-ID` set to the
 * last event handed on, after a backoff, and hands on only events past that id: the
 * server replays from there, so nothing is printed twice and nothing is skipped. A
 * connection that sends nothing, not even the server's heartbeat comment, for `idleMs`
 * counts as dropped (a half-open TCP connection would otherwise wait forever).
 */
import { ApiRefusal, networkReason, refusalOf, requestHeaders, ServerUnreachable, type ApiClientOptions } from './api-client.js';
import { pause } from './interrupt.js';
import { SseReader, SseTooLarge, type SseFrame } from './sse-reader.js';

/** One event as the API shows it. */
export interface EventView {
  id: number;
  type: string;
  time: string;
  queue?: string;
  data: Record<string, unknown>;
}

/** The server sent something that is not an event stream: retrying would not help. */
export class EventStreamBroken extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventStreamBroken';
  }
}

/** What following needs. */
export interface EventFollow {
  api: ApiClientOptions;
  /** Hand on events after this id; undefined: from the oldest the server keeps. */
  after: number | undefined;
  /** `types=` of the stream (comma-separated), if only some. */
  types?: string;
  /** Ends following: the current connection is closed and followEvents resolves. */
  stop: AbortSignal;
  onEvent(ev: EventView): void;
  /** A connection dropped, or came back. */
  onNotice(text: string): void;
  /** First reconnection delay, doubled per failed attempt (default: the server's `retry:`, else 1 s). */
  retryMs?: number;
  /** Silence after which a connection counts as dropped (default 45 s: three missed 15 s heartbeats). */
  idleMs?: number;
}

const MAX_BACKOFF_MS = 15_000;

/**
 * Follows until `stop`. Throws the refusal or the unreachable server of the first
 * connection, a refusal that retrying cannot mend (401, 404, 410 EVENTS_EXPIRED...),
 * or EventStreamBroken; a drop after a connection was made is retried with backoff.
 */
export async function followEvents(f: EventFollow): Promise<void> {
  let last = f.after;
  let connected = false;
  /** A drop was announced and no connection has opened since. */
  let outage = false;
  let failures = 0;
  let serverRetry: number | undefined;
  const handOn = (ev: EventView): void => {
    last = ev.id;
    f.onEvent(ev);
  };
  const opened = (): void => {
    if (outage) f.onNotice('the event stream is back');
    outage = false;
    connected = true;
    failures = 0;
  };
  while (!f.stop.aborted) {
    const attempt = new StreamAttempt(f, last, handOn, opened);
    let error: unknown;
    try {
      await attempt.run();
    } catch (err) {
      error = err ?? new Error('the connection failed');
    }
    if (f.stop.aborted) return;
    serverRetry = attempt.serverRetry ?? serverRetry;
    if (error !== undefined && !worthReconnecting(error)) throw error;
    if (!connected) throw error instanceof ApiRefusal ? error : new ServerUnreachable(f.api.server, attempt.reason(error));
    if (!outage) {
      const why = error === undefined ? 'the server ended it' : error instanceof ApiRefusal ? `${error.status} ${error.code}` : attempt.reason(error);
      f.onNotice(`the event stream ${attempt.opened ? 'dropped' : 'is unavailable'} (${why}); reconnecting ${last === undefined ? 'from the start' : `after event ${last}`}`);
    }
    outage = true;
    const base = f.retryMs ?? serverRetry ?? 1_000;
    await pause(Math.min(base * 2 ** Math.min(failures, 10), MAX_BACKOFF_MS), f.stop);
    failures++;
  }
}

/** A drop, a busy or restarting server: yes. A refusal that will not change, or no event stream: no. */
function worthReconnecting(err: unknown): boolean {
  if (err instanceof EventStreamBroken || err instanceof SseTooLarge) return false;
  return !(err instanceof ApiRefusal) || err.status === 429 || err.status >= 500;
}

/** One connection: connect, read frames until the stream ends or fails. */
class StreamAttempt {
  /** The server answered 200 with an event stream. */
  opened = false;
  serverRetry: number | undefined;
  #idle = false;

  constructor(
    readonly f: EventFollow,
    readonly last: number | undefined,
    readonly handOn: (ev: EventView) => void,
    readonly onOpen: () => void,
  ) {}

  reason(err: unknown): string {
    if (this.#idle) return `nothing received for ${(this.f.idleMs ?? 45_000) / 1000} s`;
    return this.opened ? `connection closed: ${networkReason(err)}` : networkReason(err);
  }

  async run(): Promise<void> {
    const f = this.f;
    const ctl = new AbortController();
    const abort = (): void => ctl.abort();
    f.stop.addEventListener('abort', abort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const kick = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        this.#idle = true;
        ctl.abort();
      }, f.idleMs ?? 45_000);
    };
    try {
      kick();
      const headers = requestHeaders(f.api, 'text/event-stream');
      if (this.last !== undefined) headers['last-event-id'] = String(this.last);
      const res = await fetch(`${f.api.server}/v1/events/stream${f.types ? `?types=${encodeURIComponent(f.types)}` : ''}`, { headers, signal: ctl.signal });
      if (!res.ok) throw refusalOf(res, await res.text());
      if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream') || !res.body) {
        await res.body?.cancel();
        throw new EventStreamBroken(`${f.api.server}/v1/events/stream answered ${res.headers.get('content-type') ?? 'without a content type'}, not an event stream`);
      }
      this.opened = true;
      this.onOpen();
      const reader = new SseReader();
      let last = this.last;
      for await (const chunk of res.body) {
        kick();
        for (const frame of reader.push(chunk)) {
          const ev = eventOf(frame);
          // A replay of what was handed on before the reconnection.
          if (last !== undefined && ev.id <= last) continue;
          last = ev.id;
          this.handOn(ev);
        }
        this.serverRetry = reader.retry;
      }
      reader.end();
    } finally {
      clearTimeout(timer);
      f.stop.removeEventListener('abort', abort);
      // Closes the connection if a frame could not be read.
      ctl.abort();
    }
  }
}

/** The event a frame carries: its data is the event as JSON, its `id:` the event id. */
export function eventOf(frame: SseFrame): EventView {
  let ev: unknown;
  try {
    ev = JSON.parse(frame.data);
  } catch {
    throw new EventStreamBroken(`the event stream sent a frame that is not JSON (id ${frame.id || 'none'})`);
  }
  const e = (ev ?? {}) as Partial<EventView>;
  const id = /^\d{1,15}$/.test(frame.id) ? Number(frame.id) : e.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) throw new EventStreamBroken(`the event stream sent a frame without an event id (event ${frame.event})`);
  return { ...(e as EventView), id, type: typeof e.type === 'string' ? e.type : frame.event };
}
