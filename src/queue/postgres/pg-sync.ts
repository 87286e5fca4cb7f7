import { EventEmitter } from 'node:events';
import type { PgEventLog } from './pg-event-log.js';
import type { QueueMirror } from './pg-mirror.js';
import type { Database, Notice } from './pg-pool.js';
import { liveOfTuple, type TaskNotice } from './pg-task-notice.js';

/** What another box's katar_events notification says (pg-rows.ts `eventsStatement`). */
interface EventsNotice {
  newest?: number;
  count?: number;
  types?: string[];
}

/**
 * Keeps this box's mirror (pg-mirror.ts) and event bounds in step with the fleet:
 * another box's notification (pg-task-notice.ts) carries the tasks it changed with their
 * columns (applied as they are; those that did not fit are named, and read again), the
 * tasks it finished (counted) and the queues it made work in (their waiting workers are
 * woken once the mirror knows the work). Reads go one at a time; notifications that come
 * during a read are answered by one more read after it. A full re-read runs at open,
 * after every reconnect of the listener and on the poll.
 */
export class MirrorSync {
  /** Woken when the mirror learnt of work from another box: waiting workers look again. */
  readonly wake = new EventEmitter<{ work: [queue: string] }>();
  readonly #ids = new Set<string>();
  readonly #toWake = new Set<string>();
  #all = false;
  #reading: Promise<void> | undefined;
  #again = false;
  #reloading: Promise<void> | undefined;

  constructor(
    private readonly db: Database,
    private readonly box: string,
    private readonly mirror: QueueMirror,
    private readonly events: PgEventLog,
    private readonly queues: () => string[],
    /** Runs a read, following the database's health (pg-queue.ts). */
    private readonly guard: <T>(fn: () => Promise<T>) => Promise<T>,
    /** Reads whatever else is cached (sizes) on a full re-read. */
    private readonly extra: () => Promise<void>,
  ) {
    this.wake.setMaxListeners(0);
  }

  /** Reads everything again, then wakes every queue's waiters (work a notification may have missed). */
  reload(): Promise<void> {
    this.#reloading ??= (async () => {
      try {
        await this.guard(async () => {
          await this.mirror.load(this.db);
          await this.events.load();
          await this.extra();
        });
        for (const queue of this.queues()) this.wake.emit('work', queue);
      } finally {
        this.#reloading = undefined;
      }
    })();
    return this.#reloading;
  }

  /** Waits for reads under way (before close). */
  async idle(): Promise<void> {
    await Promise.allSettled([this.#reloading, this.#reading]);
  }

  heard(n: Notice): void {
    let msg: TaskNotice & EventsNotice;
    try {
      msg = JSON.parse(n.payload) as TaskNotice & EventsNotice;
    } catch {
      return;
    }
    if (msg.box === this.box) return;
    if (n.channel === 'katar_events') {
      if (typeof msg.newest === 'number') this.events.heard(msg.newest, typeof msg.count === 'number' ? msg.count : undefined, Array.isArray(msg.types) ? msg.types : undefined);
      return;
    }
    for (const [queue, status, count] of msg.finished ?? []) this.mirror.addFinished(queue, status, count);
    if (msg.ids) for (const id of msg.ids) this.#ids.add(id);
    else if (msg.live || msg.gone || msg.read) {
      this.mirror.heard((msg.live ?? []).map(liveOfTuple), msg.gone ?? []);
      if (!msg.read?.length) {
        // The mirror knows the work already.
        for (const queue of msg.wake ?? []) this.wake.emit('work', queue);
        return;
      }
      for (const id of msg.read) this.#ids.add(id);
    } else this.#all = true;
    for (const queue of msg.wake ?? []) this.#toWake.add(queue);
    void this.#read().catch(() => undefined);
  }

  #read(): Promise<void> {
    if (this.#reading) {
      this.#again = true;
      return this.#reading;
    }
    this.#reading = (async () => {
      try {
        let settling = false;
        do {
          this.#again = false;
          const ids = [...this.#ids];
          const all = this.#all;
          const wake = [...this.#toWake];
          this.#ids.clear();
          this.#toWake.clear();
          this.#all = false;
          if (all) {
            await this.guard(() => this.mirror.loadLive(this.db));
            // This box's own commits during the read were applied on top; read once more to settle them.
            if (this.mirror.unsettled && !settling) {
              settling = true;
              this.#all = true;
              this.#again = true;
            }
          } else if (ids.length) await this.guard(() => this.mirror.loadIds(this.db, ids));
          for (const queue of wake) this.wake.emit('work', queue);
        } while (this.#again);
      } finally {
        this.#reading = undefined;
      }
    })();
    return this.#reading;
  }
}
