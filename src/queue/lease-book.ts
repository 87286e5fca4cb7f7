import type { Clock } from '../clock.js';
import { Heap } from './heap.js';

interface Armed {
  id: string;
  token: number;
  expires: number;
}

/**
 * When each lease ends, on the monotonic clock. A lease is a duration ("hold this task
 * for five minutes"), so a wall-clock jump must not end it early (a forward NTP sync
 * would hand a task being sent to a second worker) nor make it last for hours (a
 * backward jump). The `expiresAt` stored on the task is for people to read; this book
 * decides. Every arm gets a fresh token, so an older entry of a task that was since
 * leased again never ends the new lease.
 */
export class LeaseBook {
  readonly #clock: Clock;
  readonly #heap = new Heap<Armed>((a, b) => a.expires < b.expires);
  readonly #current = new Map<string, Armed>();
  #tokens = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Starts (or restarts) the lease of `id` for `ms` from now. */
  arm(id: string, ms: number): void {
    const entry = { id, token: ++this.#tokens, expires: this.#clock.mono() + ms };
    this.#current.set(id, entry);
    this.#heap.push(entry);
  }

  /** Ends the lease of `id` (a report, a release, a finish). */
  disarm(id: string): void {
    this.#current.delete(id);
  }

  /** Milliseconds left on the lease of `id`, if it is armed. */
  remainingMs(id: string): number | undefined {
    const e = this.#current.get(id);
    return e ? Math.max(0, e.expires - this.#clock.mono()) : undefined;
  }

  /** Removes and returns the ids whose lease has run out by now. */
  takeExpired(): string[] {
    const now = this.#clock.mono();
    const out: string[] = [];
    for (let e = this.#heap.peek(); e && e.expires <= now; e = this.#heap.peek()) {
      this.#heap.pop();
      if (this.#current.get(e.id) !== e) continue;
      this.#current.delete(e.id);
      out.push(e.id);
    }
    return out;
  }

  /** Forgets every lease (before a rebuild from the store). */
  clear(): void {
    this.#current.clear();
    while (this.#heap.pop());
  }
}
