import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { KatarError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import type { EventPage, EventType, GatewayEvent } from '../../src/queue/gateway-event.js';
import type { ClaimAnswer, DeadLetter, EventLog, RetryState, SubscriptionProgress } from '../../src/queue/sms-queue.js';

/** One call of `read`, as the reader made it, and how many events it got. */
export interface ReadCall {
  after: number;
  limit: number;
  types: readonly EventType[] | undefined;
  returned: number;
}

/**
 * The EventLog contract in memory: ids increase strictly from 1 and are never reused,
 * 'event' is emitted after each append has resolved its durable part, `read` returns the
 * events after a cursor oldest first, filtered by type, `next` being the last id looked
 * at, and EVENTS_EXPIRED once retention removed events after the cursor. Every read is
 * recorded, so tests can see how a reader pages.
 */
export class MemoryEventLog extends EventEmitter<{ event: [event: GatewayEvent] }> implements EventLog {
  readonly #events: GatewayEvent[] = [];
  #newest = 0;
  /** The highest id removed by retention (0: none). */
  #removedUpTo = 0;
  readonly reads: ReadCall[] = [];
  /** Called with every page a read returns. */
  onRead: ((page: EventPage) => void) | undefined;

  async append(type: EventType, data: Record<string, unknown>, queue?: string): Promise<GatewayEvent> {
    const event = this.#add(type, data, queue);
    // As the store: the append resolves once durable, the 'event' follows.
    await Promise.resolve();
    this.emit('event', event);
    return event;
  }

  /** Appends `n` events at once (a backlog), emitting 'event' for each as the store would. */
  fill(n: number, type: EventType = 'sms.queued'): void {
    for (let i = 0; i < n; i++) this.emit('event', this.#add(type, { n: i }, 'sms'));
  }

  async read(after: number, opts: { types?: readonly EventType[]; limit: number }): Promise<EventPage> {
    await Promise.resolve();
    if (after < this.#removedUpTo) throw new KatarError('EVENTS_EXPIRED', `events after ${after} were removed`, { oldest: this.bounds().oldest });
    const events: GatewayEvent[] = [];
    let next = after;
    for (let i = this.#firstAfter(after); i < this.#events.length && events.length < opts.limit; i++) {
      const e = this.#events[i]!;
      next = e.id;
      if (!opts.types || opts.types.includes(e.type)) events.push(e);
    }
    const page = { events, next };
    this.reads.push({ after, limit: opts.limit, types: opts.types, returned: events.length });
    this.onRead?.(page);
    return page;
  }

  bounds(): { oldest: number | undefined; newest: number } {
    return { oldest: this.#events[0]?.id, newest: this.#newest };
  }

  /** Retention: removes the events up to `id`, always keeping the newest. */
  removeUpTo(id: number): void {
    while (this.#events.length > 1 && this.#events[0]!.id <= id) this.#removedUpTo = this.#events.shift()!.id;
  }

  #add(type: EventType, data: Record<string, unknown>, queue?: string): GatewayEvent {
    const event: GatewayEvent = { id: ++this.#newest, type, time: new Date().toISOString(), ...(queue !== undefined ? { queue } : {}), data };
    this.#events.push(event);
    return event;
  }

  /** Index of the first event with an id above `after` (binary search: ids are sorted). */
  #firstAfter(after: number): number {
    let lo = 0;
    let hi = this.#events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#events[mid]!.id <= after) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * The SubscriptionProgress contract in memory: cursors (never moving back) and dead
 * letters per name, the oldest letters dropped past `limit`, claims that run out after
 * their ttl on `now` (the monotonic clock unless a test drives it).
 */
export class MemoryProgress implements SubscriptionProgress {
  readonly #subs = new Map<string, { cursor: number | undefined; deadLetters: DeadLetter[] }>();
  readonly #claims = new Map<string, { holder: string; until: number }>();
  readonly #retries = new Map<string, RetryState>();
  /** saveCursor calls, per name. */
  readonly saves = new Map<string, number>();

  constructor(
    private readonly limit = 1000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  async load(name: string): Promise<{ cursor: number | undefined; deadLetters: DeadLetter[] }> {
    const s = this.#subs.get(name);
    return { cursor: s?.cursor, deadLetters: [...(s?.deadLetters ?? [])] };
  }

  async saveCursor(name: string, cursor: number): Promise<void> {
    const e = this.#entry(name);
    e.cursor = Math.max(e.cursor ?? cursor, cursor);
    this.saves.set(name, (this.saves.get(name) ?? 0) + 1);
  }

  async claim(name: string, holder: string, ttlMs: number): Promise<ClaimAnswer> {
    const c = this.#claims.get(name);
    if (c && c.holder !== holder && c.until >= this.now()) return { granted: false, holder: c.holder };
    this.#claims.set(name, { holder, until: this.now() + ttlMs });
    return { granted: true, holder };
  }

  async unclaim(name: string, holder: string): Promise<void> {
    if (this.#claims.get(name)?.holder === holder) this.#claims.delete(name);
  }

  async loadRetry(name: string): Promise<RetryState | undefined> {
    const r = this.#retries.get(name);
    return r && { ...r };
  }

  async saveRetry(name: string, retry: RetryState | undefined): Promise<void> {
    if (retry === undefined) this.#retries.delete(name);
    else this.#retries.set(name, { ...retry });
  }

  /** Who holds the claim on `name` (undefined when nobody does). */
  holderOf(name: string): string | undefined {
    return this.#claims.get(name)?.holder;
  }

  async addDeadLetter(name: string, letter: DeadLetter): Promise<void> {
    const e = this.#entry(name);
    e.deadLetters = [...e.deadLetters.filter((l) => l.event.id !== letter.event.id), letter];
    if (e.deadLetters.length > this.limit) e.deadLetters.shift();
  }

  async removeDeadLetter(name: string, eventId: number): Promise<void> {
    const e = this.#entry(name);
    e.deadLetters = e.deadLetters.filter((l) => l.event.id !== eventId);
  }

  /** The saved cursor of `name` (undefined before its first save). */
  cursorOf(name: string): number | undefined {
    return this.#subs.get(name)?.cursor;
  }

  /** The dead letters of `name`, as kept. */
  deadLettersOf(name: string): DeadLetter[] {
    return [...(this.#subs.get(name)?.deadLetters ?? [])];
  }

  #entry(name: string): { cursor: number | undefined; deadLetters: DeadLetter[] } {
    let e = this.#subs.get(name);
    if (!e) this.#subs.set(name, (e = { cursor: undefined, deadLetters: [] }));
    return e;
  }
}

/** A pino logger (level debug) whose JSON lines are kept in `lines`. */
export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}
