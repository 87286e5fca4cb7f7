import { TASK_STATUSES, type Task, type TaskStatus } from '../task.js';
import type { LogPosition } from './append-log.js';

/** What the index keeps of a finished task (the task itself stays on disk). */
export interface HistoryMeta {
  _id: string;
  queue: string;
  seq: number;
  status: TaskStatus;
  finishedAt: string;
  idempotencyKey?: string;
  /**
   * The task carries the parts a modem took (`delivery.parts`): a status report may still
   * be matched to it, so the delivery book reads it back at start (delivery-restore.ts).
   */
  sentParts?: true;
  pos: LogPosition;
}

/** The meta of a finished task stored at `pos`. */
export function historyMeta(t: Task, pos: LogPosition): HistoryMeta {
  const meta: HistoryMeta = { _id: t._id, queue: t.queue, seq: t.seq, status: t.status, finishedAt: t.finishedAt ?? t.updatedAt, pos };
  if (t.idempotencyKey !== undefined) meta.idempotencyKey = t.idempotencyKey;
  const parts = t.delivery?.parts;
  if (Array.isArray(parts) && parts.some(Boolean)) meta.sentParts = true;
  return meta;
}

/** The high bit of a slot's status byte: the task has sent parts (the six statuses use the low bits). */
const SENT_PARTS = 0x80;

/**
 * The in-memory index of history: for 100,000 finished tasks a Map of small objects
 * costs ~24 MB of heap, this column layout (typed arrays per field, one Map from id to
 * slot) about a third of it, which keeps the appliance's RSS low on a Pi. Metas are
 * built on demand. Insertion order is kept; re-adding an id overwrites its slot.
 */
export class HistoryIndex {
  #slots = new Map<string, number>();
  #ids: string[] = [];
  #offset = new Float64Array(1024);
  #length = new Uint32Array(1024);
  #seq = new Float64Array(1024);
  #finished = new Float64Array(1024);
  #status = new Uint8Array(1024);
  #queue = new Uint8Array(1024);
  readonly #queues: string[] = [];
  readonly #keys = new Map<number, string>();

  get size(): number {
    return this.#slots.size;
  }

  /** Adds or replaces the entry of `meta._id`. */
  set(meta: HistoryMeta): void {
    let slot = this.#slots.get(meta._id);
    if (slot === undefined) {
      slot = this.#ids.length;
      this.#grow(slot + 1);
      this.#ids.push(meta._id);
      this.#slots.set(meta._id, slot);
    }
    let q = this.#queues.indexOf(meta.queue);
    if (q === -1) q = this.#queues.push(meta.queue) - 1;
    this.#offset[slot] = meta.pos.offset;
    this.#length[slot] = meta.pos.length;
    this.#seq[slot] = meta.seq;
    this.#finished[slot] = Date.parse(meta.finishedAt);
    this.#status[slot] = TASK_STATUSES.indexOf(meta.status) | (meta.sentParts ? SENT_PARTS : 0);
    this.#queue[slot] = q;
    if (meta.idempotencyKey !== undefined) this.#keys.set(slot, meta.idempotencyKey);
    else this.#keys.delete(slot);
  }

  has(id: string): boolean {
    return this.#slots.has(id);
  }

  get(id: string): HistoryMeta | undefined {
    const slot = this.#slots.get(id);
    return slot === undefined ? undefined : this.#meta(slot);
  }

  /** Ids in insertion order. */
  keys(): IterableIterator<string> {
    return this.#slots.keys();
  }

  /** Metas in insertion order. */
  *values(): IterableIterator<HistoryMeta> {
    for (let slot = 0; slot < this.#ids.length; slot++) yield this.#meta(slot);
  }

  /** The latest `finishedAt` of all entries, in ms (-Infinity when empty), read off its column: no meta is built. */
  newestFinishedMs(): number {
    let newest = -Infinity;
    for (let slot = 0; slot < this.#ids.length; slot++) newest = Math.max(newest, this.#finished[slot]!);
    return newest;
  }

  /** Metas from the newest insertion backwards. */
  *newestFirst(): IterableIterator<HistoryMeta> {
    for (let slot = this.#ids.length - 1; slot >= 0; slot--) yield this.#meta(slot);
  }

  /**
   * The metas with sent parts among the newest entries, newest first: the walk back from
   * the newest insertion stops at the first entry finished before `sinceMs` or after
   * `maxLooked` entries (with or without parts). Read off the columns: only the entries
   * returned get a meta, so a history of tasks without parts costs no reads and no objects;
   * each meta is made as it is taken, so 50,000 of them are never held at once.
   */
  *sentPartsSince(sinceMs: number, maxLooked: number): IterableIterator<HistoryMeta> {
    let looked = 0;
    for (let slot = this.#ids.length - 1; slot >= 0; slot--) {
      if (this.#finished[slot]! < sinceMs || ++looked > maxLooked) break;
      if (this.#status[slot]! & SENT_PARTS) yield this.#meta(slot);
    }
  }

  /** Takes over the content of `other` (a freshly loaded index); `other` is left empty. */
  replaceWith(other: HistoryIndex): void {
    this.#slots = other.#slots;
    this.#ids = other.#ids;
    this.#offset = other.#offset;
    this.#length = other.#length;
    this.#seq = other.#seq;
    this.#finished = other.#finished;
    this.#status = other.#status;
    this.#queue = other.#queue;
    this.#queues.length = 0;
    this.#queues.push(...other.#queues);
    this.#keys.clear();
    for (const [k, v] of other.#keys) this.#keys.set(k, v);
    other.clear();
    this.#fit();
  }

  /** Removes every entry. */
  clear(): void {
    this.#slots = new Map();
    this.#ids = [];
    this.#keys.clear();
  }

  #meta(slot: number): HistoryMeta {
    const m: HistoryMeta = {
      _id: this.#ids[slot]!,
      queue: this.#queues[this.#queue[slot]!]!,
      seq: this.#seq[slot]!,
      status: TASK_STATUSES[this.#status[slot]! & ~SENT_PARTS]!,
      finishedAt: new Date(this.#finished[slot]!).toISOString(),
      pos: { offset: this.#offset[slot]!, length: this.#length[slot]! },
    };
    const key = this.#keys.get(slot);
    if (key !== undefined) m.idempotencyKey = key;
    if (this.#status[slot]! & SENT_PARTS) m.sentParts = true;
    return m;
  }

  /**
   * A loaded index (entries added one by one, the columns doubling) gives back the rest
   * of its last doubling, keeping room for the next 1,024 finished tasks: with 100,000
   * entries that is up to 1 MB less for as long as the history does not grow much.
   */
  #fit(): void {
    const cap = this.#ids.length + 1024;
    if (cap < this.#offset.length) this.#resize(cap);
  }

  #grow(n: number): void {
    if (n > this.#offset.length) this.#resize(Math.max(n, this.#offset.length * 2));
  }

  #resize(cap: number): void {
    const grow = <T extends Float64Array | Uint32Array | Uint8Array>(a: T, C: new (n: number) => T): T => {
      const b = new C(cap);
      b.set(a.subarray(0, Math.min(cap, a.length)));
      return b;
    };
    this.#offset = grow(this.#offset, Float64Array);
    this.#length = grow(this.#length, Uint32Array);
    this.#seq = grow(this.#seq, Float64Array);
    this.#finished = grow(this.#finished, Float64Array);
    this.#status = grow(this.#status, Uint8Array);
    this.#queue = grow(this.#queue, Uint8Array);
  }
}
