import { systemClock, type Clock } from '../clock.js';

/** What `take` answers: allowed, or refused with how long until the budget comes back. */
export type Take = { ok: true } | { ok: false; retryAfterMs: number; remaining: number };

interface Window {
  start: number;
  used: number;
}

/** Keys kept at most; beyond it expired windows are dropped, then the oldest. */
const MAX_KEYS = 10_000;

/**
 * A fixed-window budget per key (a token, an address) where one call may cost more than
 * one: a batch of 1,000 messages costs 1,000, so a producer cannot multiply its rate by
 * batching. A call that does not fit in what is left is refused whole and costs nothing,
 * so a refused batch stores nothing and does not eat the budget of the next one.
 *
 * Windows are measured on the monotonic clock: an NTP jump neither empties nor refills a
 * budget. Memory is bounded by MAX_KEYS, since keys may come from peer addresses.
 */
export class RateLimiter {
  readonly max: number;
  readonly windowMs: number;
  readonly #clock: Clock;
  readonly #windows = new Map<string, Window>();

  constructor(opts: { max: number; windowMs: number; clock?: Clock }) {
    this.max = opts.max;
    this.windowMs = opts.windowMs;
    this.#clock = opts.clock ?? systemClock;
  }

  #window(key: string): Window {
    const now = this.#clock.mono();
    let w = this.#windows.get(key);
    if (w && now - w.start >= this.windowMs) {
      this.#windows.delete(key);
      w = undefined;
    }
    if (!w) {
      if (this.#windows.size >= MAX_KEYS) this.#prune(now);
      w = { start: now, used: 0 };
      this.#windows.set(key, w);
    }
    return w;
  }

  #prune(now: number): void {
    for (const [k, w] of this.#windows) if (now - w.start >= this.windowMs) this.#windows.delete(k);
    // Map order is insertion order: the first keys are the oldest windows.
    for (const k of this.#windows.keys()) {
      if (this.#windows.size < MAX_KEYS) break;
      this.#windows.delete(k);
    }
  }

  #refusal(w: Window): Take {
    return { ok: false, retryAfterMs: Math.max(1, Math.ceil(w.start + this.windowMs - this.#clock.mono())), remaining: Math.max(0, this.max - w.used) };
  }

  /** Takes `cost` from `key`'s budget when all of it fits; else takes nothing. */
  take(key: string, cost = 1): Take {
    const w = this.#window(key);
    if (w.used + cost > this.max) return this.#refusal(w);
    w.used += cost;
    return { ok: true };
  }

  /** Whether `key` has used up its budget (without taking anything). */
  check(key: string): Take {
    const w = this.#windows.get(key);
    if (!w || this.#clock.mono() - w.start >= this.windowMs) return { ok: true };
    return w.used >= this.max ? this.#refusal(w) : { ok: true };
  }

  /** Counts `cost` against `key` even beyond the budget (e.g. a failed authentication). */
  charge(key: string, cost = 1): void {
    this.#window(key).used += cost;
  }
}
