/**
 * What the synchronous members of SmsQueue answer from (counts, nextPriority,
 * waitForWork, dataMarks): a small copy of the shared queue in memory, the live tasks'
 * ordering columns and the finished tasks' counts. Kept current by this box's own
 * commits and by other boxes' notifications (LISTEN/NOTIFY: the changed tasks' columns,
 * pg-task-notice.ts, or their ids to read again), and re-read after every reconnect of
 * the listener and on the poll behind it. Another box's change is seen when its
 * notification arrives (or after the read it asks for): milliseconds, never a wrong
 * answer for longer.
 */
import type { LeaseAccept } from '../lease-filter.js';
import type { Task, TaskStatus } from '../task.js';
import type { Now, PgChanged } from './pg-batch.js';
import type { Row, Sql } from './pg-pool.js';
import { ReadyLanes, type LiveTask } from './pg-ready-lanes.js';

type Counts = Record<TaskStatus, number>;
/** A change of a live task learnt while a read was under way, applied again on top of it; `own`: this box's commit. */
type Redo = { own: boolean; id: string; task: LiveTask | undefined };
const zero = (): Counts => ({ paused: 0, queued: 0, 'in progress': 0, done: 0, failed: 0, cancelled: 0 });
const LIVE = new Set<TaskStatus>(['queued', 'paused', 'in progress']);
/** Milliseconds between counts of the finished tasks when nothing asked for one (`load`). */
const RECOUNT_MS = 60_000;
const LIVE_COLUMNS = 'id, queue, status, priority, seq, send_at_ms, ready_tick, modems';

function liveOf(r: Row): LiveTask {
  return {
    id: r.id as string,
    queue: r.queue as string,
    status: r.status as TaskStatus,
    priority: Number(r.priority),
    seq: Number(r.seq),
    sendAtMs: r.send_at_ms === null ? undefined : Number(r.send_at_ms),
    readyTick: Number(r.ready_tick),
    modems: (r.modems as string[] | null) ?? undefined,
  };
}

export class QueueMirror {
  /** Live tasks by id; a record is replaced on each change, never changed in place (the lanes rely on it). */
  #live = new Map<string, LiveTask>();
  /** Live tasks per queue and status, kept with `#live`. */
  #liveCounts = new Map<string, Counts>();
  readonly #lanes = new ReadyLanes((t) => t.status === 'queued' && this.#live.get(t.id) === t);
  #finished = new Map<string, Counts>();
  #maxSeq = 0;
  #newestMs: number | undefined;

  /** One list per read under way: the changes learnt meanwhile (this box's commits, other boxes' notifications), re-applied after it. */
  readonly #during = new Set<Redo[]>();
  /** Set when this box's own changes were re-applied after a read of all live tasks: the caller reads once more to settle them. */
  unsettled = false;

  /** When the finished tasks were last counted (performance.now()), and whether the next load must count them again. */
  #countedAt = -Infinity;
  #recount = true;

  /**
   * The next `load` counts the finished tasks again: the counts may have moved unheard
   * (the listener reconnected, retention removed tasks).
   */
  recount(): void {
    this.#recount = true;
  }

  /**
   * Reads it all again from the database: live tasks, marks, and the finished counts when
   * `recount` asked for them or RECOUNT_MS have passed. Between counts they follow this
   * box's commits and the other boxes' notifications, which are exact while the listener
   * stays connected; a count reads every finished task (a million: a quarter of a second
   * of the database's CPU), too much for every poll.
   */
  async load(sql: Sql): Promise<void> {
    await this.loadLive(sql);
    if (this.#recount || performance.now() - this.#countedAt >= RECOUNT_MS) await this.#loadCounts(sql);
    const [m] = await sql.query(`SELECT (SELECT last_value FROM katar_seq) AS seq, (SELECT is_called FROM katar_seq) AS called,
      GREATEST((SELECT max(updated_ms) FROM tasks WHERE status IN ('queued', 'paused', 'in progress')), (SELECT max(finished_at_ms) FROM tasks), (SELECT max(received_ms) FROM inbox)) AS newest`);
    this.#maxSeq = Math.max(this.#maxSeq, m!.called ? Number(m!.seq) : 0);
    if (m!.newest !== null) this.#newestMs = Math.max(this.#newestMs ?? -Infinity, Number(m!.newest));
  }

  async #loadCounts(sql: Sql): Promise<void> {
    const started = performance.now();
    // A count that moved while the counts were read (a finish committed here, or heard
    // from another box) may or may not be in what the read saw: read again (a few times
    // at most; past that the counts kept moving by themselves stay until the next read).
    for (let tries = 0; tries < 3; tries++) {
      const before = this.#finishes;
      const finished = new Map<string, Counts>();
      for (const r of await sql.query(`SELECT queue, status, count(*)::bigint AS n FROM tasks WHERE finished_at_ms IS NOT NULL GROUP BY queue, status`)) {
        const c = finished.get(r.queue as string) ?? zero();
        c[r.status as TaskStatus] = Number(r.n);
        finished.set(r.queue as string, c);
      }
      if (this.#finishes !== before) continue;
      this.#finished = finished;
      break;
    }
    this.#recount = false;
    this.#countedAt = started;
  }

  /** Finishes counted since the start (this box's and those heard of): tells a read of the counts that they moved under it. */
  #finishes = 0;

  /**
   * Reads the live tasks again (another box changed some). This box's own changes that
   * commit meanwhile may or may not be in what the read saw: they are applied again on
   * top, and `unsettled` asks for one more read to settle any that the read had already
   * overtaken.
   */
  async loadLive(sql: Sql): Promise<void> {
    const during: Redo[] = [];
    this.#during.add(during);
    try {
      const live = new Map<string, LiveTask>();
      const rows = await sql.query(`SELECT ${LIVE_COLUMNS} FROM tasks WHERE status IN ('queued', 'paused', 'in progress')`);
      for (const r of rows) live.set(r.id as string, liveOf(r));
      this.#live = live;
      this.#liveCounts = new Map();
      this.#lanes.clear();
      for (const t of live.values()) this.#filed(t);
      for (const r of during) this.#redo(r);
      this.unsettled = during.some((r) => r.own);
    } finally {
      this.#during.delete(during);
    }
  }

  /** A change learnt during a read, again: a fresh record (the lanes tell records apart by identity). */
  #redo(r: Redo): void {
    if (r.task) this.#put({ ...r.task });
    else this.#drop(r.id);
  }

  /** Applies a change of a live task (undefined: no longer live), and keeps it for the reads under way. */
  #change(id: string, task: LiveTask | undefined, own: boolean): void {
    if (task) this.#put(task);
    else this.#drop(id);
    for (const d of this.#during) d.push({ own, id, task });
  }

  /** Another box's notification: its changed tasks' columns (`live`), and the tasks it took out of the live ones (`gone`). */
  heard(live: readonly LiveTask[], gone: readonly string[]): void {
    for (const t of live) this.#change(t.id, LIVE.has(t.status) ? t : undefined, false);
    for (const id of gone) this.#change(id, undefined, false);
  }

  /** Reads the tasks `ids` again (another box changed them): live ones are kept, the others dropped. */
  async loadIds(sql: Sql, ids: string[]): Promise<void> {
    const during: Redo[] = [];
    this.#during.add(during);
    try {
      const rows = await sql.query(`SELECT ${LIVE_COLUMNS} FROM tasks WHERE id = ANY($1::text[])`, [ids]);
      const found = new Map(rows.map((r) => [r.id as string, r]));
      for (const id of ids) {
        const r = found.get(id);
        if (r && LIVE.has(r.status as TaskStatus)) this.#put(liveOf(r));
        else this.#drop(id);
      }
      // Changes learnt meanwhile may be newer than what the read saw.
      const read = new Set(ids);
      for (const r of during) if (read.has(r.id)) this.#redo(r);
    } finally {
      this.#during.delete(during);
    }
  }

  /** Another box finished tasks: its counts move here too (the notification carries them). */
  addFinished(queue: string, status: TaskStatus, n: number): void {
    this.#finishes++;
    const c = this.#finished.get(queue) ?? zero();
    c[status] += n;
    this.#finished.set(queue, c);
  }

  /** Follows this box's committed changes. */
  apply(changes: readonly PgChanged[]): void {
    for (const c of changes) {
      this.#see(c.task);
      if (!LIVE.has(c.task.status) && (c.from === null || LIVE.has(c.from))) this.addFinished(c.task.queue, c.task.status, 1);
      this.#applyLive(c);
    }
  }

  #applyLive({ task, readyTick }: PgChanged): void {
    const live = LIVE.has(task.status)
      ? { id: task._id, queue: task.queue, status: task.status, priority: task.priority, seq: task.seq, sendAtMs: task.sendAt ? Date.parse(task.sendAt) : undefined, readyTick, modems: task.modems }
      : undefined;
    this.#change(task._id, live, true);
  }

  #put(t: LiveTask): void {
    this.#drop(t.id);
    this.#live.set(t.id, t);
    this.#filed(t);
  }

  #drop(id: string): void {
    const old = this.#live.get(id);
    if (!old) return;
    this.#live.delete(id);
    this.#liveCounts.get(old.queue)![old.status]--;
  }

  /** Counts a record just put in `#live`, and files it in its lane when queued. */
  #filed(t: LiveTask): void {
    let c = this.#liveCounts.get(t.queue);
    if (!c) this.#liveCounts.set(t.queue, (c = zero()));
    c[t.status]++;
    if (t.status === 'queued') this.#lanes.file(t);
  }

  /** A received SMS or another record with a seq and a time stamp. */
  seen(seq: number, wallMs: number): void {
    this.#maxSeq = Math.max(this.#maxSeq, seq);
    this.#newestMs = Math.max(this.#newestMs ?? -Infinity, wallMs);
  }

  #see(t: Task): void {
    this.seen(t.seq, Date.parse(t.updatedAt));
  }

  /** Tasks of `queue` per status. */
  counts(queue: string): Counts {
    const c = { ...(this.#finished.get(queue) ?? zero()) };
    const live = this.#liveCounts.get(queue);
    if (live) for (const s of LIVE) c[s] += live[s];
    return c;
  }

  /** Live tasks of every queue (the limit of `add`). */
  get liveCount(): number {
    return this.#live.size;
  }

  /** Priority of the task the next lease would take: highest priority among the ready ones (pg-ready-lanes.ts). */
  nextPriority(queue: string, now: Now, accept?: LeaseAccept): number | undefined {
    return this.#lanes.nextPriority(queue, now, accept);
  }

  /** Milliseconds until a queued task `accept` may take falls due (scheduled or backing off). */
  msUntilDue(queue: string, now: Now, accept?: LeaseAccept): number | undefined {
    return this.#lanes.msUntilDue(queue, now, accept);
  }

  marks(): { seq: number; newestMs: number | undefined } {
    return { seq: this.#maxSeq, newestMs: this.#newestMs };
  }
}
