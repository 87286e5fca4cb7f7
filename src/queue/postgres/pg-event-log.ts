import { EventEmitter } from 'node:events';
import { KatarError } from '../../errors.js';
import { typesOf } from '../event-interest.js';
import type { EventPage, EventType, GatewayEvent } from '../gateway-event.js';
import type { EventLog } from '../sms-queue.js';
import type { Database, Row } from './pg-pool.js';

/** Passed ranges kept at most, waiting for the gap before them to fill. */
const MAX_PASSED_RANGES = 10_000;

const eventOf = (r: Row): GatewayEvent => {
  const ev: GatewayEvent = { id: Number(r.id), type: r.type as EventType, time: new Date(Number(r.time_ms)).toISOString(), data: r.data as Record<string, unknown> };
  if (r.queue !== null) ev.queue = r.queue as string;
  return ev;
};

/**
 * The event log in PostgreSQL (docs/FLEET.md): events are numbered by one counter row
 * in the transaction of their change, so they appear in id order. `bounds()` answers
 * from memory: read at open, moved by this box's appends and by other boxes'
 * notifications (`katar_events`), re-read after retention and after a reconnect.
 * Other boxes' events are read for this box's listeners only when one of them wants
 * their types (event-interest.ts); the ranges nobody here wants are passed over.
 */
export class PgEventLog extends EventEmitter<{ event: [event: GatewayEvent] }> implements EventLog {
  #oldest: number | undefined;
  #newest = 0;
  /** The last id handed out when the log was last read empty: the events after it are all kept (retention re-reads). */
  #emptyAt = 0;

  constructor(
    private readonly db: Database,
    /** This box's id, as its events carry it. */
    private readonly box: string,
    /** Appends a modem event in a transaction of its own (pg-queue.ts). */
    private readonly appendOne: (type: EventType, data: Record<string, unknown>, queue?: string) => Promise<GatewayEvent>,
  ) {
    super();
    this.setMaxListeners(0);
  }

  /** Reads the bounds from the database. */
  async load(): Promise<void> {
    const [r] = await this.db.query('SELECT (SELECT min(id) FROM events) AS oldest, (SELECT last FROM event_counter) AS newest');
    const newest = Number(r!.newest);
    this.#oldest = r!.oldest === null ? undefined : Number(r!.oldest);
    if (this.#oldest === undefined) this.#emptyAt = newest;
    // What was appended before the first read is history, not news; after that (a
    // reconnect, the poll) what the notifications missed is told now.
    if (!this.#loaded) {
      this.#loaded = true;
      this.#newest = newest;
      this.#toldUpTo = newest;
    } else this.heard(newest);
  }

  /** Committed events of this box: the bounds move, listeners hear of them. */
  committed(events: GatewayEvent[]): void {
    for (const ev of events) {
      this.#newest = Math.max(this.#newest, ev.id);
      this.#oldest ??= this.#emptyAt + 1;
      this.emit('event', ev);
    }
    if (events.length) this.#pass(events[0]!.id, events.at(-1)!.id);
  }

  /**
   * Another box appended up to `newest` (`count` events of `types`, when its notification
   * says): the bounds move, and its events are read and told to this box's listeners too
   * (the SSE stream, webhooks and MQTT wake on them and read the log from their cursors),
   * one read at a time, unless no listener wants any of those types.
   */
  heard(newest: number, count?: number, types?: readonly string[]): void {
    this.#newest = Math.max(this.#newest, newest);
    if (this.#newest > this.#emptyAt) this.#oldest ??= this.#emptyAt + 1;
    if (this.listenerCount('event') === 0) {
      this.#toldUpTo = Math.max(this.#toldUpTo, newest);
      this.#passed.clear();
      return;
    }
    if (count !== undefined && types !== undefined && count > 0 && !this.#wanted(types)) return this.#pass(newest - count + 1, newest);
    this.#toTell = Math.max(this.#toTell, newest);
    if (!this.#catchingUp) {
      this.#catchingUp = true;
      void this.#tellOthers().finally(() => (this.#catchingUp = false));
    }
  }

  /** True when a listener wants one of `types` (a listener that names none wants them all). */
  #wanted(types: readonly string[]): boolean {
    for (const l of this.listeners('event')) {
      const wants = typesOf(l);
      if (!wants || wants.some((t) => types.includes(t))) return true;
    }
    return false;
  }

  /** Events `first`..`last` need not be told (this box's, told at commit; or of types nobody here wants). */
  #pass(first: number, last: number): void {
    if (last <= this.#toldUpTo) return;
    this.#passed.set(first, Math.max(last, this.#passed.get(first) ?? 0));
    // A gap that never fills (a notification lost) is read over at the next reconnect or poll.
    if (this.#passed.size > MAX_PASSED_RANGES) this.#passed.clear();
    this.#movePast();
  }

  /** Moves `#toldUpTo` over the passed ranges that follow it. */
  #movePast(): void {
    for (let moved = true; moved; ) {
      moved = false;
      for (const [first, last] of this.#passed) {
        if (first > this.#toldUpTo + 1) continue;
        this.#passed.delete(first);
        if (last > this.#toldUpTo) {
          this.#toldUpTo = last;
          moved = true;
        }
      }
    }
  }

  /** Every event up to here was told to the listeners (or came before they listened, or nobody wants it). */
  #toldUpTo = 0;
  /** The newest event a notification asked to tell (its types wanted, or unknown). */
  #toTell = 0;
  /** Ranges past `#toldUpTo` that need not be told, first id -> last id. */
  readonly #passed = new Map<number, number>();
  #catchingUp = false;
  #loaded = false;

  async #tellOthers(): Promise<void> {
    try {
      for (this.#movePast(); this.#toldUpTo < this.#toTell; this.#movePast()) {
        // This box's own events were told when they committed.
        const rows = await this.db.query('SELECT id, type, time_ms, queue, data, box FROM events WHERE id > $1 ORDER BY id LIMIT 500', [this.#toldUpTo]);
        if (!rows.length) break;
        for (const r of rows) {
          this.#toldUpTo = Number(r.id);
          if (r.box !== this.box) this.emit('event', eventOf(r));
        }
      }
    } catch {
      // The database went away: the bounds stay right, the listeners hear at the next event.
    }
  }

  bounds(): { oldest: number | undefined; newest: number } {
    return { oldest: this.#oldest, newest: this.#newest };
  }

  async read(after: number, opts: { types?: readonly EventType[]; limit: number }): Promise<EventPage> {
    const { oldest } = this.bounds();
    if (after === 0 && oldest !== undefined) after = oldest - 1;
    if (oldest !== undefined && after < oldest - 1) {
      throw new KatarError('EVENTS_EXPIRED', `events after ${after} were removed by retention; the oldest event kept is ${oldest} (read from after=${oldest - 1})`, { oldest, field: 'after' });
    }
    const types = opts.types?.length ? [...opts.types] : null;
    // The newest known before the query: one heard while it runs may be missing from its rows.
    const known = this.#newest;
    const rows = await this.db.query('SELECT id, type, time_ms, queue, data FROM events WHERE id > $1 AND ($2::text[] IS NULL OR type = ANY($2::text[])) ORDER BY id LIMIT $3', [after, types, opts.limit]);
    const events = rows.map(eventOf);
    if (events.length) this.heard(events[events.length - 1]!.id);
    // A page of one type may stop short of the newest: `next` is the last event looked at.
    const next = events.length === opts.limit ? events[events.length - 1]!.id : Math.max(after, known, events.at(-1)?.id ?? 0);
    return { events, next };
  }

  append(type: EventType, data: Record<string, unknown>, queue?: string): Promise<GatewayEvent> {
    return this.appendOne(type, data, queue);
  }
}
