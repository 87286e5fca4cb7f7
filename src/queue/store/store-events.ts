import { SerialChain } from '../../serial-chain.js';
import type { EventType, GatewayEvent } from '../gateway-event.js';
import type { AppendLog, LogPosition } from './append-log.js';
import { compactEvents, type EventRetention } from './event-compaction.js';
import { EventIndex } from './event-index.js';
import { readEventFile, type EventScan } from './event-reader.js';
import type { StoreFiles } from './store-files.js';

/** An event appended to the log and not yet durable. */
interface Staged {
  event: GatewayEvent;
  pos: LogPosition;
}

/**
 * The event log's side of the store (docs/EVENTS.md): events are appended to
 * `events.jsonl` beside the change they describe and go out with the same group commit;
 * they become visible (index, listeners) only once that commit is durable. Ids are
 * handed out once: never again, even for a write that failed.
 */
export class StoreEvents {
  #index = new EventIndex();
  #staged: Staged[] = [];
  #lastId = 0;
  readonly #listeners: Array<(events: readonly GatewayEvent[]) => void> = [];
  /** File reads of the log and its rewrite by retention, one at a time. */
  readonly #file = new SerialChain();
  readonly #warn: (msg: string, details: Record<string, unknown>) => void;

  constructor(warn: (msg: string, details: Record<string, unknown>) => void) {
    this.#warn = warn;
  }

  /** After a load or reload: the index of what is durable; anything staged is gone. */
  replaceIndex(index: EventIndex): void {
    index.raiseNewest(this.#index.newest);
    this.#index = index;
    this.#lastId = Math.max(this.#lastId, index.newest);
    this.#staged = [];
  }

  /** Appends an event to `log` (durable at the next commit). */
  add(log: AppendLog, type: EventType, data: Record<string, unknown>, queue: string | undefined, time: string): GatewayEvent {
    const event: GatewayEvent = { id: ++this.#lastId, type, time, ...(queue !== undefined && { queue }), data };
    this.#staged.push({ event, pos: log.append(event) });
    return event;
  }

  /** A flush begins: the events it carries (every one staged so far). */
  takeStaged(): Staged[] {
    const s = this.#staged;
    this.#staged = [];
    return s;
  }

  /** A flush failed: what was staged since is rolled back with the files. */
  dropStaged(): void {
    this.#staged = [];
  }

  /** A flush made `staged` durable: index them and tell the listeners, in id order. */
  publish(staged: readonly Staged[]): void {
    if (staged.length === 0) return;
    for (const s of staged) this.#index.add(s.event, s.pos);
    const events = staged.map((s) => s.event);
    for (const l of this.#listeners) {
      // The events are durable whatever a listener does: its error must not fail the commit.
      try {
        l(events);
      } catch (err) {
        this.#warn('an event listener failed', { err });
      }
    }
  }

  onEvents(listener: (events: readonly GatewayEvent[]) => void): void {
    this.#listeners.push(listener);
  }

  bounds(): { oldest: number | undefined; newest: number } {
    return { oldest: this.#index.oldest, newest: this.#index.newest };
  }

  /** Durable events after `after`, oldest first: from memory when recent, else read from the file. */
  async scan(files: StoreFiles, after: number, types: ReadonlySet<EventType> | undefined, limit: number): Promise<EventScan> {
    const start = this.#index.start(after);
    if (start.kind === 'tail') {
      const out: EventScan = { events: [], lastSeen: after };
      for (const ev of start.events) {
        if (out.events.length >= limit) break;
        out.lastSeen = ev.id;
        if (!types || types.has(ev.type)) out.events.push(ev);
      }
      return out;
    }
    return this.#file.run(() => {
      const log = files.eventsLog;
      // Offsets are read again inside the gate: a rewrite may have moved every record.
      const again = this.#index.start(after);
      const offset = again.kind === 'file' ? again.offset : 0;
      return readEventFile(log.path, { offset, end: log.durable.bytes, after, ...(types && { types }), limit });
    });
  }

  /** Retention (event-compaction.ts), while no read runs; the caller holds the store's mutex. */
  compact(dir: string, files: StoreFiles, keep: EventRetention, fail: (err: unknown) => Error): Promise<number> {
    return this.#file.run(() =>
      compactEvents(
        {
          dir,
          files,
          index: this.#index,
          swapIndex: (idx) => {
            idx.raiseNewest(this.#index.newest);
            this.#index = idx;
          },
          restage: (move) => {
            for (const s of this.#staged) s.pos = move(s.event);
          },
          fail,
        },
        keep,
      ),
    );
  }
}
