import { isKatarError } from '../errors.js';
import { forTypes } from '../queue/event-interest.js';
import type { EventType, GatewayEvent } from '../queue/gateway-event.js';
import type { EventLog } from '../queue/sms-queue.js';

/** The counts of one hour. */
export interface HourCounts {
  /** Start of the hour (ISO 8601). */
  start: string;
  sent: number;
  failed: number;
  received: number;
  delivered: number;
}

type Counter = Exclude<keyof HourCounts, 'start'>;

const HOUR_MS = 3_600_000;

/** The longest window asked for: what is counted and kept. */
export const MAX_STATS_HOURS = 168;

/** The events counted, and the counter each goes to. */
const COUNTED: Partial<Record<EventType, Counter>> = { 'sms.sent': 'sent', 'sms.failed': 'failed', 'sms.received': 'received', 'sms.delivered': 'delivered' };
const COUNTED_TYPES = Object.keys(COUNTED) as EventType[];

/** Events read per page while seeding, and at most in all (the log keeps 100,000 by default). */
const SEED_PAGE = 1000;
const SEED_MAX_EVENTS = 250_000;

/**
 * SMS sent, failed, received and delivered per hour over the last week, from the event
 * log: counters fed by new events as they are committed, seeded once from the log on
 * the first question. The seed finds the window's first event by a binary search over
 * event ids (the log reads a page near any id cheaply), then reads only the counted
 * types from there, at most SEED_MAX_EVENTS. Events are counted in the hour of their
 * `time`; a clock set back may put a few in an earlier hour, nothing is counted twice.
 */
export class HourlyStats {
  readonly #log: EventLog;
  readonly #now: () => number;
  /** Hour start (ms) -> counts. */
  readonly #hours = new Map<number, Record<Counter, number>>();
  /** Events up to this id are the seed's; later ones the listener's. */
  readonly #seedUpTo: number;
  #seeded: Promise<void> | undefined;
  /** Marked with the counted types: the PostgreSQL log then reads no other box's events of other types for it. */
  readonly #onEvent = forTypes(COUNTED_TYPES, (ev: GatewayEvent): void => {
    if (ev.id > this.#seedUpTo) this.#count(ev);
  });

  readonly #onSeedError: (err: unknown) => void;

  /** `onSeedError`: told when the seed could not read the log (the counts then start from what it read). */
  constructor(log: EventLog, onSeedError: (err: unknown) => void, now: () => number = Date.now) {
    this.#log = log;
    this.#onSeedError = onSeedError;
    this.#now = now;
    this.#seedUpTo = log.bounds().newest;
    log.on('event', this.#onEvent);
  }

  /** Stops counting new events. */
  close(): void {
    this.#log.off('event', this.#onEvent);
  }

  /** The last `hours` hours (1 to 168), oldest first, this hour last, an entry for every hour. */
  async lastHours(hours: number): Promise<HourCounts[]> {
    this.#seeded ??= this.#seed();
    await this.#seeded;
    const current = Math.floor(this.#now() / HOUR_MS) * HOUR_MS;
    const out: HourCounts[] = [];
    for (let h = current - (hours - 1) * HOUR_MS; h <= current; h += HOUR_MS) {
      const c = this.#hours.get(h);
      out.push({ start: new Date(h).toISOString(), sent: c?.sent ?? 0, failed: c?.failed ?? 0, received: c?.received ?? 0, delivered: c?.delivered ?? 0 });
    }
    return out;
  }

  #count(ev: GatewayEvent): void {
    const counter = COUNTED[ev.type];
    const t = Date.parse(ev.time);
    if (!counter || !Number.isFinite(t)) return;
    const hour = Math.floor(t / HOUR_MS) * HOUR_MS;
    const oldest = Math.floor(this.#now() / HOUR_MS) * HOUR_MS - (MAX_STATS_HOURS - 1) * HOUR_MS;
    if (hour < oldest) return;
    let c = this.#hours.get(hour);
    if (!c) {
      this.#hours.set(hour, (c = { sent: 0, failed: 0, received: 0, delivered: 0 }));
      for (const h of this.#hours.keys()) if (h < oldest) this.#hours.delete(h);
    }
    c[counter]++;
  }

  async #seed(): Promise<void> {
    const start = Math.floor(this.#now() / HOUR_MS) * HOUR_MS - (MAX_STATS_HOURS - 1) * HOUR_MS;
    try {
      let after = await this.#firstCursorFrom(start);
      let read = 0;
      while (after < this.#seedUpTo && read < SEED_MAX_EVENTS) {
        const page = await this.#log.read(after, { types: COUNTED_TYPES, limit: SEED_PAGE });
        for (const ev of page.events) if (ev.id <= this.#seedUpTo) this.#count(ev);
        read += page.events.length;
        if (page.next <= after) break;
        after = page.next;
      }
    } catch (err) {
      // Retention removed the part being read: what was counted stays, the rest is gone
      // anyway. Anything else is told, and the counts go on from what was read: a
      // second seed could count events twice.
      if (!isKatarError(err, 'EVENTS_EXPIRED')) this.#onSeedError(err);
    }
  }

  /** The cursor after which the log's events are at or after `start` (binary search over ids). */
  async #firstCursorFrom(start: number): Promise<number> {
    const { oldest } = this.#log.bounds();
    if (oldest === undefined) return this.#seedUpTo;
    let lo = oldest - 1;
    let hi = this.#seedUpTo;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const [first] = (await this.#log.read(mid, { limit: 1 })).events;
      if (!first || Date.parse(first.time) >= start) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
