import { EventEmitter } from 'node:events';
import { instant, type Clock } from '../clock.js';
import { KatarError } from '../errors.js';
import type { EventPage, EventType, GatewayEvent } from './gateway-event.js';
import type { EventLog } from './sms-queue.js';
import type { FileStore } from './store/file-store.js';

/**
 * The event log of the file queue: `events.jsonl` in the store, written in the same
 * group commit as the changes the events describe (docs/EVENTS.md). Recent events are
 * answered from memory, older ones read from the file a chunk at a time.
 */
export class FileEventLog extends EventEmitter<{ event: [event: GatewayEvent] }> implements EventLog {
  readonly #store: FileStore;
  readonly #clock: Clock;

  constructor(store: FileStore, clock: Clock) {
    super();
    // Every SSE client and webhook subscription listens: no warning at eleven.
    this.setMaxListeners(0);
    this.#store = store;
    this.#clock = clock;
    store.onEvents((events) => {
      for (const ev of events) this.emit('event', ev);
    });
  }

  bounds(): { oldest: number | undefined; newest: number } {
    return this.#store.eventBounds();
  }

  async read(after: number, opts: { types?: readonly EventType[]; limit: number }): Promise<EventPage> {
    const { oldest, newest } = this.bounds();
    // 0 means "from the start": whatever retention kept.
    if (after === 0 && oldest !== undefined) after = oldest - 1;
    // Events after `after` were removed: the consumer would miss them without knowing.
    if (oldest !== undefined && after < oldest - 1) {
      throw new KatarError('EVENTS_EXPIRED', `events after ${after} were removed by retention; the oldest event kept is ${oldest} (read from after=${oldest - 1})`, { oldest, field: 'after' });
    }
    if (after >= newest) return { events: [], next: Math.max(after, 0) };
    const types = opts.types && opts.types.length ? new Set(opts.types) : undefined;
    const scan = await this.#store.scanEvents(after, types, opts.limit);
    return { events: scan.events, next: scan.lastSeen };
  }

  async append(type: EventType, data: Record<string, unknown>, queue?: string): Promise<GatewayEvent> {
    this.#store.assertWritable();
    const ev = this.#store.addEvent(type, data, queue, new Date(instant(this.#clock).wall).toISOString());
    await this.#store.commit();
    return ev;
  }
}
