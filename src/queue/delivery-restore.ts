import type { Clock } from '../clock.js';
import type { SentPart } from './delivery-index.js';
import { hasPartList } from './delivery-status.js';
import type { FileStore } from './store/file-store.js';
import type { HistoryMeta } from './store/history-index.js';
import { readHistoryRecords } from './store/history-reader.js';
import type { Task } from './task.js';

/** Most finished tasks read back at start (a bound for a history whose clock went wrong). */
const MAX_TASKS = 50_000;

/** The parts the restore found, oldest send first, made one at a time as they are taken. */
export interface RestoredParts extends Iterable<SentPart> {
  readonly size: number;
  /** History records read back to find them. */
  readonly recordsRead: number;
}

/**
 * The parts still within validity, as the store holds them, oldest send first: from the
 * live tasks and from history, newest first, stopping at tasks that finished before the
 * validity window opened (a part is sent before its task finishes). Only the finished
 * tasks the history index marks as carrying parts are read back (HistoryMeta.sentParts,
 * set from the record whenever it is indexed: at load, at its finish, at a retention
 * rewrite), in file order, many records a read (history-reader.ts), so a history of
 * tasks sent without parts costs no reads after a start, and one of 50,000 tasks with
 * parts costs a sequential read of its tail. A part's age comes from its wall-clock
 * `sentAt`, the only clock that survives a restart, and is never negative, so a Pi that
 * boots with an old clock keeps parts rather than losing them.
 *
 * What a part needs is taken from each task as it is read, into columns, and the task
 * is let go: holding the 50,000 tasks until the end (as objects, then sorted) grew the
 * heap by 40-60 MB that V8 gave back only a minute later.
 */
export async function readSentParts(store: FileStore, validityMs: number, clock: Clock): Promise<RestoredParts> {
  const wall = clock.wall();
  const mono = clock.mono();
  const found = new PartColumns();
  for (const t of store.live.values()) found.take(t, t._id);
  const recordsRead = await readHistoryRecords(store, finishedWithParts(store, wall - validityMs), (t, id) => found.take(t, id));
  return found.sorted(wall, mono, recordsRead);
}

function* finishedWithParts(store: FileStore, sinceMs: number): Iterable<HistoryMeta> {
  for (const meta of store.history.sentPartsSince(sinceMs, MAX_TASKS)) if (meta.status === 'done' || meta.status === 'failed') yield meta;
}

/** The parts of the tasks read, a column per field; task ids are the index's own strings, recipients shared when equal. */
class PartColumns {
  readonly #taskId: string[] = [];
  readonly #queue: string[] = [];
  readonly #recipient: string[] = [];
  readonly #modem: string[] = [];
  readonly #sentMs: number[] = [];
  readonly #index: number[] = [];
  readonly #reference: number[] = [];
  readonly #epoch: number[] = [];
  readonly #shared = new Map<string, string>();

  take(task: Task, id: string): void {
    if (!hasPartList(task.delivery)) return;
    const parts = task.delivery.parts;
    for (let index = 0; index < parts.length; index++) {
      const part = parts[index];
      if (!part) continue;
      this.#taskId.push(id);
      this.#queue.push(this.#share(task.queue));
      this.#recipient.push(this.#share(task.data.to));
      this.#modem.push(this.#share(part.modem));
      this.#sentMs.push(Date.parse(part.sentAt));
      this.#index.push(index);
      this.#reference.push(part.reference);
      this.#epoch.push(part.epoch);
    }
  }

  /** The parts oldest send first (then by part number), each made when it is taken. */
  sorted(wall: number, mono: number, recordsRead: number): RestoredParts {
    const sentMs = this.#sentMs;
    const order = Uint32Array.from(sentMs.keys()).sort((a, b) => sentMs[a]! - sentMs[b]! || this.#index[a]! - this.#index[b]!);
    const part = (k: number): SentPart => ({
      queue: this.#queue[k]!,
      taskId: this.#taskId[k]!,
      index: this.#index[k]!,
      modem: this.#modem[k]!,
      reference: this.#reference[k]!,
      recipient: this.#recipient[k]!,
      epoch: this.#epoch[k]!,
      sentMono: mono - Math.max(0, wall - sentMs[k]!),
    });
    return {
      size: order.length,
      recordsRead,
      *[Symbol.iterator]() {
        for (const k of order) yield part(k);
      },
    };
  }

  /** One string for equal values (a modem's name, a queue, a frequent recipient): each record's parse made its own. */
  #share(s: string): string {
    const known = this.#shared.get(s);
    if (known !== undefined) return known;
    this.#shared.set(s, s);
    return s;
  }
}
