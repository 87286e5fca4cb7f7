import { SeqColumn, STATE_DEAD, STATE_UNKNOWN } from './seq-column.js';
import type { HistoryMeta } from './store/history-index.js';
import { TASK_STATUSES, type Task, type TaskStatus } from './task.js';

/** Where tasks live: the store's live map and history index (a FileStore fits). */
export interface TaskSources {
  readonly live: ReadonlyMap<string, Task>;
  readonly history: { get(id: string): HistoryMeta | undefined; values(): Iterable<HistoryMeta> };
}

/** One task found by a scan: the live task itself, or where to read a finished one. */
export interface ScanRow {
  seq: number;
  live?: Task;
  meta?: HistoryMeta;
}

/** What a scan asks for. */
export interface ScanQuery {
  /** Only tasks with a seq greater than this (a page's cursor; 0 from the start); for `desc`, smaller (0 from the end). */
  after: number;
  /** `desc`: newest first. */
  order?: 'asc' | 'desc';
  status?: TaskStatus;
  limit: number;
  /** Entries looked at, at most, before the scan stops and hands out a cursor. */
  maxScan: number;
}

/** Up to `limit` rows in seq order; `next` is where the following page starts, if it may hold more. */
export interface ScanResult {
  rows: ScanRow[];
  next?: number;
}

/** Finished statuses are cached in the column as 1 + their index in TASK_STATUSES. */
const finalCode = (s: TaskStatus): number => TASK_STATUSES.indexOf(s) + 1;

/** Compact a column once this many entries (and a quarter of it) are dead. */
const COMPACT_AFTER = 1024;

/**
 * Every task of every queue, live and finished, in seq order (oldest first): what the
 * task listing pages through without copying or sorting the queue per call. Statuses
 * are not kept here for live tasks (they change all the time) but looked up in the
 * store's live map; a finished status never changes, so it is cached in the column the
 * first time it is seen. Tasks that leave the store (retention, a discarded send) are
 * found dead lazily and compacted away; `rebuild` starts over from the store.
 */
export class TaskOrderIndex {
  readonly #src: TaskSources;
  #queues = new Map<string, SeqColumn>();

  constructor(src: TaskSources) {
    this.#src = src;
    this.rebuild();
  }

  /** Entries of `queue` (dead ones not yet compacted included), for tests and metrics. */
  size(queue: string): number {
    return this.#queues.get(queue)?.length ?? 0;
  }

  /** Builds the index again from the store (at open, after retention, after a reload). */
  rebuild(): void {
    const parts = new Map<string, { seqs: number[]; ids: string[]; states: number[] }>();
    const add = (queue: string, seq: number, id: string, state: number): void => {
      let p = parts.get(queue);
      if (!p) parts.set(queue, (p = { seqs: [], ids: [], states: [] }));
      p.seqs.push(seq);
      p.ids.push(id);
      p.states.push(state);
    };
    for (const t of this.#src.live.values()) add(t.queue, t.seq, t._id, STATE_UNKNOWN);
    for (const m of this.#src.history.values()) if (!this.#src.live.has(m._id)) add(m.queue, m.seq, m._id, finalCode(m.status));
    const queues = new Map<string, SeqColumn>();
    for (const [queue, p] of parts) queues.set(queue, SeqColumn.from(p.seqs, p.ids, p.states));
    this.#queues = queues;
  }

  /** Records a task just created (its seq is the largest so far). */
  append(task: Pick<Task, '_id' | 'queue' | 'seq'>): void {
    let col = this.#queues.get(task.queue);
    if (!col) this.#queues.set(task.queue, (col = new SeqColumn()));
    col.push(task.seq, task._id);
  }

  /**
   * Tasks of `queue` after `q.after`, of `q.status` if given, in seq order (descending
   * for `desc`: before `q.after`): a binary search for the cursor, then a scan that
   * stops at the first match past `limit`. The scan looks at `maxScan` entries at most;
   * a page cut short that way carries as `next` the seq of the last entry looked at, so
   * the following page goes on from there and no task is skipped or repeated.
   */
  scan(queue: string, q: ScanQuery): ScanResult {
    const col = this.#queues.get(queue);
    if (!col || q.limit < 1) return { rows: [] };
    const rows: ScanRow[] = [];
    let next: number | undefined;
    let scanned = 0;
    const step = q.order === 'desc' ? -1 : 1;
    // Seqs are integers: the first entry after `after - 1` is the first at or after `after`.
    const from = step === 1 ? col.firstAfter(q.after) : q.after > 0 ? col.firstAfter(q.after - 1) - 1 : col.length - 1;
    for (let i = from; i >= 0 && i < col.length; i += step) {
      if (scanned++ >= q.maxScan) {
        next = col.seqAt(i - step);
        break;
      }
      const row = this.#resolve(col, i, q.status);
      if (!row) continue;
      if (rows.length === q.limit) {
        next = rows[rows.length - 1]!.seq;
        break;
      }
      rows.push(row);
    }
    if (col.dead >= COMPACT_AFTER && col.dead * 4 >= col.length) col.compact();
    return next === undefined ? { rows } : { rows, next };
  }

  /** The row of entry `i` when it exists and has `status` (any status when undefined). */
  #resolve(col: SeqColumn, i: number, status: TaskStatus | undefined): ScanRow | undefined {
    const state = col.stateAt(i);
    if (state === STATE_DEAD) return undefined;
    if (state !== STATE_UNKNOWN && status !== undefined && state !== finalCode(status)) return undefined;
    const id = col.idAt(i);
    if (state === STATE_UNKNOWN) {
      const t = this.#src.live.get(id);
      if (t) return status === undefined || t.status === status ? { seq: col.seqAt(i), live: t } : undefined;
    }
    const meta = this.#src.history.get(id);
    if (!meta) {
      col.setState(i, STATE_DEAD);
      return undefined;
    }
    col.setState(i, finalCode(meta.status));
    return status === undefined || meta.status === status ? { seq: col.seqAt(i), meta } : undefined;
  }
}
