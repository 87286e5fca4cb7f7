import { api, ApiError } from './api.js';
import type { GatewayEvent } from './types.js';

/** Event types the stream carries; EventSource dispatches each under its own name. */
const TYPES = ['sms.received', 'sms.queued', 'sms.sent', 'sms.failed', 'sms.cancelled', 'sms.delivered', 'sms.delivery_failed', 'modem.state'];

export type LiveState = 'connecting' | 'open' | 'reconnecting' | 'stopped';

type Listener = (ev: GatewayEvent) => void;

/**
 * The one EventSource of the page, on /v1/events/stream (same origin: the session cookie
 * goes with it). A dropped connection is retried by EventSource itself, which sends
 * Last-Event-ID so that nothing is missed; an answer that is not a stream (410 after
 * retention passed the cursor, 401 after the session ended) closes it for good, and is
 * handled here: 410 reloads the pages' data and starts again from the oldest event kept.
 */
export class LiveEvents {
  #source: EventSource | undefined;
  #lastId = 0;
  #state: LiveState = 'stopped';
  #retry: ReturnType<typeof setTimeout> | undefined;
  readonly #listeners = new Set<Listener>();
  readonly #stateListeners = new Set<(s: LiveState) => void>();
  readonly #reloadListeners = new Set<() => void>();

  get state(): LiveState {
    return this.#state;
  }

  get lastId(): number {
    return this.#lastId;
  }

  start(after: number): void {
    this.stop();
    this.#lastId = after;
    this.#open('connecting');
  }

  stop(): void {
    clearTimeout(this.#retry);
    this.#source?.close();
    this.#source = undefined;
    this.#setState('stopped');
  }

  /** Calls the listener with every event from now on; returns the unsubscribe. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onState(listener: (s: LiveState) => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  /** Called when events were lost (the cursor expired): pages then fetch their data again. */
  onReload(listener: () => void): () => void {
    this.#reloadListeners.add(listener);
    return () => this.#reloadListeners.delete(listener);
  }

  #open(state: LiveState): void {
    this.#setState(state);
    const source = new EventSource(`/v1/events/stream?after=${this.#lastId}`);
    this.#source = source;
    source.onopen = () => this.#setState('open');
    source.onerror = () => {
      if (source !== this.#source) return;
      // CONNECTING: EventSource retries by itself, with Last-Event-ID.
      if (source.readyState !== EventSource.CLOSED) return this.#setState('reconnecting');
      source.close();
      this.#setState('reconnecting');
      void this.#recover();
    };
    const onEvent = (e: { data: string }): void => {
      const ev = JSON.parse(e.data) as GatewayEvent;
      // A replay after a reconnect never goes backwards.
      if (ev.id <= this.#lastId) return;
      this.#lastId = ev.id;
      for (const l of this.#listeners) l(ev);
    };
    // Each frame is a MessageEvent whose data is the event's JSON.
    for (const t of TYPES) source.addEventListener(t, onEvent as unknown as (e: Event) => void);
  }

  /** The stream was refused: ask the pull API why, at the same cursor. */
  async #recover(): Promise<void> {
    try {
      await api.events(this.#lastId, 1);
    } catch (err) {
      if (err instanceof ApiError && err.status === 410 && typeof err.body?.oldest === 'number') {
        this.#lastId = err.body.oldest - 1;
        for (const l of this.#reloadListeners) l();
      } else if (err instanceof ApiError && err.status === 401) {
        return this.stop();
      }
    }
    if (this.#state === 'stopped') return;
    this.#retry = setTimeout(() => this.#open('reconnecting'), 2000);
  }

  #setState(s: LiveState): void {
    if (s === this.#state) return;
    this.#state = s;
    for (const l of this.#stateListeners) l(s);
  }
}

export const live = new LiveEvents();
