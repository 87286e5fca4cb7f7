import { systemClock, type Clock } from '../clock.js';
import type { ModemSending } from '../config/modem-sending.js';
import { inDailyWindow, nextWindowOpen, windowEnd, windowKey, type CalendarUnit } from './pacing-calendar.js';
import { PacingCounters } from './pacing-counters.js';

/** Why a modem takes no task now, for status, /readyz, metrics and the dashboard. */
export interface PacingPause {
  /** `limit`: a cap is reached; `window`: outside the sending hours. */
  reason: 'limit' | 'window';
  /** When sending may start again (wall ms). */
  until: number;
  /** Which cap or window, in words ("perDay 200 reached (200 sent on 2026-12-02, Europe/Berlin)"). */
  detail: string;
}

/** May the modem send now: yes, or after `waitMs` (monotonic), paused for a reason or just pacing. */
export type PacingVerdict = { go: true } | { go: false; waitMs: number; pause?: PacingPause };

/** Options of a modem's pacing gate. */
export interface PacingGateOptions {
  modem: string;
  sending: ModemSending;
  /** Directory of the counter files (`<dataDir>/pacing`); absent: counted in memory only. */
  dir?: string;
  clock?: Clock;
  /** Uniform in [0, 1): the jitter of each interval (tests pass their own). */
  random?: () => number;
  /** Parts one durable write of the counters covers (pacing-counters.ts). */
  reserveBlock?: number;
}

const CAPS: Array<[CalendarUnit, 'perMinute' | 'perHour' | 'perDay']> = [
  ['minute', 'perMinute'],
  ['hour', 'perHour'],
  ['day', 'perDay'],
];

/** "paused by limit until <ISO>" / "outside send window until <ISO>". */
export function pauseText(p: PacingPause): string {
  const until = new Date(p.until).toISOString();
  return p.reason === 'limit' ? `paused by limit until ${until} (${p.detail})` : `outside send window until ${until} (${p.detail})`;
}

/**
 * Whether one modem may send now, after the carrier's view of it: a least interval
 * between the starts of two sends plus random jitter (so the sends do not tick like a
 * machine), caps per calendar minute, hour and day counted in SMS parts in a time zone,
 * and optional sending hours. Calendar windows rather than sliding ones, because they
 * are what carriers count and bill ("500 a day" restarts at midnight); the least
 * interval is what spreads a minute's allowance out. The counts survive restarts
 * (pacing-counters.ts).
 */
export class PacingGate {
  readonly #o: PacingGateOptions;
  readonly #clock: Clock;
  readonly #counters: PacingCounters;
  /** Monotonic instant before which the next send must not start. */
  #nextAt = -Infinity;
  #previousNextAt = -Infinity;
  /**
   * A cap that refused a send holds the modem until its window ends, even for a
   * smaller message: otherwise the loop would take and give back the same long
   * message over and over while it waits at the head of the queue.
   */
  #held: PacingPause | undefined;

  constructor(o: PacingGateOptions) {
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
    this.#counters = new PacingCounters(o.modem, o.dir, o.reserveBlock ?? 10);
  }

  /** Reads the counts of the previous run. */
  async load(): Promise<void> {
    await this.#counters.load();
  }

  /** Whether a send of `parts` may start now. */
  check(parts = 1): PacingVerdict {
    const { sendWindow } = this.#o.sending;
    const wall = this.#clock.wall();
    if (sendWindow && !inDailyWindow(sendWindow, wall)) {
      const until = nextWindowOpen(sendWindow, wall);
      return { go: false, waitMs: until - wall, pause: { reason: 'window', until, detail: `sends ${sendWindow.from}-${sendWindow.to} ${sendWindow.timezone}` } };
    }
    if (this.#held && wall < this.#held.until) return { go: false, waitMs: this.#held.until - wall, pause: this.#held };
    this.#held = undefined;
    const capped = this.#capped(wall, parts);
    if (capped) {
      this.#held = capped;
      return { go: false, waitMs: capped.until - wall, pause: capped };
    }
    const wait = this.#nextAt - this.#clock.mono();
    return wait > 0 ? { go: false, waitMs: wait } : { go: true };
  }

  /**
   * Counts a send of `parts` that is about to start (durably before it resolves, so a
   * crash never under-counts), and starts the next interval. Throws when the counters
   * cannot be written: then nothing is counted and the send must not start.
   */
  async starting(parts: number): Promise<void> {
    await this.#counters.add(this.#keys(this.#clock.wall()), parts);
    const { minIntervalMs, jitterMs } = this.#o.sending;
    this.#previousNextAt = this.#nextAt;
    if (minIntervalMs > 0 || jitterMs > 0) this.#nextAt = this.#clock.mono() + minIntervalMs + Math.floor((this.#o.random ?? Math.random)() * (jitterMs + 1));
  }

  /** Takes back a send announced by `starting` that never reached the modem. */
  notStarted(parts: number): void {
    this.#counters.subtract(this.#keys(this.#clock.wall()), parts);
    this.#held = undefined;
    this.#nextAt = this.#previousNextAt;
  }

  /** Parts counted in the current window of each capped unit, e.g. `{day: 37}`. */
  counts(): Partial<Record<CalendarUnit, number>> {
    const keys = this.#keys(this.#clock.wall());
    return Object.fromEntries(Object.entries(keys).map(([u, k]) => [u, this.#counters.countIn(u as CalendarUnit, k)]));
  }

  /** Writes the exact counts (at stop). */
  async close(): Promise<void> {
    await this.#counters.flush();
  }

  /** The current window of each capped unit. */
  #keys(wall: number): Partial<Record<CalendarUnit, string>> {
    const limits = this.#o.sending.limits;
    const keys: Partial<Record<CalendarUnit, string>> = {};
    if (!limits) return keys;
    for (const [unit, cap] of CAPS) if (limits[cap] !== undefined) keys[unit] = windowKey(unit, wall, limits.timezone);
    return keys;
  }

  /**
   * The latest end among the windows whose cap a send of `parts` would pass. A message
   * with more parts than a cap still goes, alone, as the first send of a fresh window:
   * otherwise it could never go at all.
   */
  #capped(wall: number, parts: number): PacingPause | undefined {
    const limits = this.#o.sending.limits;
    if (!limits) return undefined;
    let pause: PacingPause | undefined;
    for (const [unit, cap] of CAPS) {
      const max = limits[cap];
      if (max === undefined) continue;
      const key = windowKey(unit, wall, limits.timezone);
      const count = this.#counters.countIn(unit, key);
      if (count === 0 || count + parts <= max) continue;
      const until = windowEnd(unit, wall, limits.timezone);
      if (!pause || until > pause.until) pause = { reason: 'limit', until, detail: `${cap} ${max} reached: ${count} sent in ${unit === 'minute' ? 'this minute' : unit === 'hour' ? 'this hour' : 'this day'} (${limits.timezone})` };
    }
    return pause;
  }
}
