import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock.js';
import { KatarError } from '../../errors.js';
import type { EventType, GatewayEvent } from '../gateway-event.js';
import type { LeaseAccept } from '../lease-filter.js';
import { emitStatus, type QueueEvents } from '../queue-events.js';
import type { IncomingSms, NewTask, TaskReport } from '../queue-types.js';
import type { QueueSettings } from '../settings.js';
import type { InboxListing, Page, PruneResult, RetentionPolicy, SmsQueue, StoreHealth, TaskListing } from '../sms-queue.js';
import type { InboxEntry, Task } from '../task.js';
import { addTasks, checkRoom, plannedNew } from './pg-add.js';
import { AddGroup } from './pg-add-group.js';
import { PgBatch, type Now } from './pg-batch.js';
import { claim, endOrphanedLeases, expireLeases, expireValidity } from './pg-claims.js';
import { PgDeliveryBook } from './pg-deliveries.js';
import { PgEventLog } from './pg-event-log.js';
import { receiveSms } from './pg-inbox.js';
import { listInbox, listTasks } from './pg-listings.js';
import { QueueMirror } from './pg-mirror.js';
import { isCommitInDoubt, isUniqueViolation, isUnavailable, type Database } from './pg-pool.js';
import { MirrorSync } from './pg-sync.js';
import { pruneAll } from './pg-prune.js';
import { applyReports, markSubmitting, takeBack, transition } from './pg-reports.js';
import { readTask } from './pg-rows.js';
import { PgSubscriptions } from './pg-subscriptions.js';
import { giveBackUnanswered, type UnansweredLease } from './pg-unanswered.js';
import { waitForWork } from './pg-wait.js';

/** Default most live tasks across the fleet's queue. */
export const DEFAULT_MAX_LIVE_TASKS = 1_000_000;

/** Options of `PgQueue.open`. */
export interface PgQueueOptions {
  db: Database;
  queues: Record<string, QueueSettings>;
  /** Wall time and the shared tick line: a DbClock in production, a TestClock in tests. */
  clock: Clock;
  /** This box's built-in workers (`builtin:<gateway id>:`): their leases are ended at start. Default: none. */
  isLocalWorker?: (worker: string) => boolean;
  /** Milliseconds between sweeps (0: none; tests call sweep()). */
  sweepIntervalMs?: number;
  /** Milliseconds between re-reads of the mirror behind LISTEN/NOTIFY (0: none). */
  pollMs?: number;
  maxLiveTasks?: number;
  /** Closed by `close`, after the queue (the pool, the clock), when the caller opened them for it. */
  owned?: Array<() => Promise<void>>;
}

/**
 * The SmsQueue on PostgreSQL: one queue shared by a fleet of gateways (docs/FLEET.md).
 * Every change is one transaction that resolves after COMMIT, its events numbered in the
 * same transaction and told after it; the synchronous members answer from a mirror kept
 * by this box's commits and other boxes' notifications (pg-mirror.ts).
 */
export class PgQueue extends EventEmitter<QueueEvents> implements SmsQueue {
  readonly db: Database;
  readonly #settings: Map<string, QueueSettings>;
  readonly #clock: Clock;
  readonly #mirror = new QueueMirror();
  readonly #box = randomUUID();
  readonly #maxLive: number;
  readonly #owned: Array<() => Promise<void>>;
  readonly #healthListeners: Array<(h: StoreHealth) => void> = [];
  readonly deliveries: PgDeliveryBook;
  readonly events: PgEventLog;
  readonly subscriptions: PgSubscriptions;
  #writable = true;
  #reason: string | undefined;
  #sizes: Record<string, number> = {};
  #timers: NodeJS.Timeout[] = [];
  /** Tasks of leases whose COMMIT went unanswered: given back by the next sweep (pg-unanswered.ts). */
  #unanswered: UnansweredLease[] = [];
  readonly #sync: MirrorSync;
  readonly #adds = new AddGroup((fn) => this.#write(fn, false), (b, queue, items) => this.#addIn(b, queue, items), () => ({ live: this.#mirror.liveCount, max: this.#maxLive }));

  private constructor(o: PgQueueOptions) {
    super();
    this.db = o.db;
    this.#settings = new Map(Object.entries(o.queues));
    this.#clock = o.clock;
    this.#maxLive = o.maxLiveTasks ?? DEFAULT_MAX_LIVE_TASKS;
    this.#owned = o.owned ?? [];
    this.events = new PgEventLog(o.db, this.#box, (type, data, queue) => this.#appendEvent(type, data, queue));
    this.#sync = new MirrorSync(o.db, this.#box, this.#mirror, this.events, () => this.queueNames, (fn) => this.#guard(fn), () => this.#readSizes());
    this.subscriptions = new PgSubscriptions(o.db, o.clock);
    this.deliveries = new PgDeliveryBook((fn) => this.#write(fn), (fn) => this.#guard(() => fn(this.db)), (t) => this.emit('delivery', t), o.clock);
  }

  /** Opens the queue over a migrated database: reads the mirror, ends this box's orphaned leases, listens. */
  static async open(o: PgQueueOptions): Promise<PgQueue> {
    const q = new PgQueue(o);
    // Listening first, then reading: nothing another box commits in between is missed.
    // After every reconnect of the listener, whatever was notified meanwhile is read again.
    let first = true;
    await o.db.listen(['katar_tasks', 'katar_events'], (n) => q.#sync.heard(n), () => {
      if (!first) {
        q.#mirror.recount();
        void q.#sync.reload().catch(() => undefined);
      }
      first = false;
    });
    await q.#sync.reload();
    const isLocal = o.isLocalWorker;
    if (isLocal) await q.#write((b) => endOrphanedLeases(b, isLocal));
    const every = (ms: number | undefined, fn: () => Promise<unknown>): void => {
      if (!ms) return;
      // A database that is down is told by health(), not as an error every second.
      const t = setInterval(() => void fn().catch((err: unknown) => isUnavailable(err) || q.emit('error', err as Error)), ms);
      t.unref();
      q.#timers.push(t);
    };
    every(o.sweepIntervalMs ?? 1000, () => q.sweep());
    every(o.pollMs ?? 5000, () => q.#sync.reload());
    return q;
  }

  #now(): Now {
    return { wall: this.#clock.wall(), tick: this.#clock.mono() };
  }

  /** Runs `fn`, following the database's health: STORE_UNAVAILABLE marks it unwritable until a statement succeeds again. */
  async #guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      const out = await fn();
      this.#setHealth(true);
      return out;
    } catch (err) {
      if (isUnavailable(err)) this.#setHealth(false, (err as Error).message);
      throw err;
    }
  }

  #setHealth(writable: boolean, reason?: string): void {
    if (writable === this.#writable) return;
    this.#writable = writable;
    this.#reason = reason;
    const h = this.health();
    for (const l of this.#healthListeners) l(h);
  }

  /**
   * One transaction: `fn` makes the changes, the batch appends their events and
   * notifications, COMMIT; then the mirror follows, the event log and listeners are told.
   * A unique violation (a key another box took meanwhile) is tried once more.
   */
  async #write<T>(fn: (b: PgBatch) => Promise<T>, retry = true): Promise<T> {
    let batch!: PgBatch;
    try {
      const out = await this.#guard(() =>
        this.db.tx(async (sql) => {
          batch = new PgBatch(sql, this.#settings, this.#now());
          const r = await fn(batch);
          await batch.flush(this.#box);
          return r;
        }),
      );
      this.#mirror.apply(batch.changed);
      this.events.committed(batch.appended.map((e) => ({ id: e.id, type: e.type, time: e.time, data: e.data, ...(e.queue !== undefined && { queue: e.queue }) })));
      for (const c of batch.changed) emitStatus(this, c.task, c.from);
      return out;
    } catch (err) {
      if (retry && isUniqueViolation(err)) return this.#write(fn, false);
      throw err;
    }
  }

  async #appendEvent(type: EventType, data: Record<string, unknown>, queue?: string): Promise<GatewayEvent> {
    const b = await this.#write(async (batch) => {
      batch.events.push({ type, data, ...(queue !== undefined && { queue }) });
      return batch;
    });
    const e = b.appended[0]!;
    return { id: e.id, type: e.type, time: e.time, data: e.data, ...(e.queue !== undefined && { queue: e.queue }) };
  }

  get queueNames(): string[] {
    return [...this.#settings.keys()];
  }

  settings(queue: string): QueueSettings {
    const s = this.#settings.get(queue);
    if (!s) throw new KatarError('QUEUE_NOT_FOUND', `queue "${queue}" not found`, { queue });
    return s;
  }

  /** Stores the tasks (group commit with other calls of this box: pg-add-group.ts). */
  async add(queue: string, items: NewTask[]): Promise<Array<{ task: Task; created: boolean }>> {
    this.settings(queue);
    return this.#adds.add(queue, items);
  }

  /** One call of `add` inside a transaction: the limit, then the tasks (pg-add.ts). */
  async #addIn(b: PgBatch, queue: string, items: NewTask[]): Promise<Array<{ task: Task; created: boolean }>> {
    const { fresh, known } = await plannedNew(b, queue, items);
    // The mirror's count (exact for this box, other boxes' as of their last notification)
    // and what this transaction has added so far.
    checkRoom(this.#mirror.liveCount + b.changed.filter((c) => c.from === null).length, fresh, this.#maxLive);
    return addTasks(b, queue, items, known);
  }

  async lease(queue: string, worker: string, max = 1, leaseMs?: number, accept?: LeaseAccept): Promise<Task[]> {
    return this.reportAndLease(queue, worker, [], max, leaseMs, accept);
  }

  async reportAndLease(queue: string, worker: string, reports: TaskReport[], max: number, leaseMs?: number, accept?: LeaseAccept): Promise<Task[]> {
    const settings = this.settings(queue);
    let claimed: Task[] = [];
    try {
      return await this.#write(async (b) => {
        if (reports.length) await applyReports(b, queue, worker, reports);
        if (max <= 0) return [];
        await expireLeases(b);
        await expireValidity(b, queue);
        claimed = await claim(b, queue, worker, max, leaseMs ?? settings.leaseMs, accept);
        return claimed;
      });
    } catch (err) {
      // Refused, so the worker will never report these tasks, but the lease may have committed.
      if (isCommitInDoubt(err)) for (const t of claimed) this.#unanswered.push({ queue, worker, id: t._id, startedAt: t.attempts.at(-1)!.startedAt });
      throw err;
    }
  }

  async report(queue: string, worker: string, reports: TaskReport[]): Promise<void> {
    this.settings(queue);
    await this.#write((b) => applyReports(b, queue, worker, reports));
  }

  async markSubmitting(queue: string, worker: string, id: string): Promise<void> {
    await this.#write((b) => markSubmitting(b, queue, worker, id));
  }

  async release(queue: string, worker: string, id: string, why: string): Promise<void> {
    await this.#write((b) => takeBack(b, queue, worker, id, why));
  }

  cancel(queue: string, id: string): Promise<Task> {
    return this.#transition(queue, id, ['queued', 'paused'], 'cancelled');
  }

  pause(queue: string, id: string): Promise<Task> {
    return this.#transition(queue, id, ['queued'], 'paused');
  }

  resume(queue: string, id: string): Promise<Task> {
    return this.#transition(queue, id, ['paused'], 'queued');
  }

  async #transition(queue: string, id: string, from: Task['status'][], to: Task['status']): Promise<Task> {
    this.settings(queue);
    return this.#write((b) => transition(b, queue, id, from, to));
  }

  async sweep(): Promise<void> {
    const unanswered = this.#unanswered.splice(0);
    try {
      await this.#write(async (b) => {
        await expireLeases(b);
        await expireValidity(b);
        await giveBackUnanswered(b, unanswered);
      });
    } catch (err) {
      // Tried again at the next sweep: a give-back that did commit finds nothing left to undo.
      this.#unanswered.push(...unanswered);
      throw err;
    }
  }

  async receive(queue: string, sms: IncomingSms): Promise<{ entry: InboxEntry; duplicate: boolean }> {
    this.settings(queue);
    const r = await this.#write((b) => receiveSms(b, queue, sms));
    if (!r.duplicate) {
      this.#mirror.seen(r.entry.seq, Date.parse(r.entry.receivedAt));
      this.emit('sms', r.entry);
    }
    return r;
  }

  async get(queue: string, id: string): Promise<Task> {
    this.settings(queue);
    const t = await this.#guard(() => readTask(this.db, id));
    if (!t || t.queue !== queue) throw new KatarError('TASK_NOT_FOUND', `task ${id} not found in queue "${queue}"`, { id });
    return t;
  }

  async listTasks(queue: string, opts: TaskListing): Promise<Page<Task>> {
    this.settings(queue);
    return this.#guard(() => listTasks(this.db, queue, opts));
  }

  async listInbox(queue: string, opts: InboxListing): Promise<Page<InboxEntry>> {
    this.settings(queue);
    return this.#guard(() => listInbox(this.db, queue, opts));
  }

  counts(queue: string): Record<Task['status'], number> {
    return this.#mirror.counts(queue);
  }

  nextPriority(queue: string, accept?: LeaseAccept): number | undefined {
    return this.#mirror.nextPriority(queue, this.#now(), accept);
  }

  waitForWork(queue: string, ms: number, signal?: AbortSignal, accept?: LeaseAccept): Promise<void> {
    if (this.nextPriority(queue, accept) !== undefined) return Promise.resolve();
    const due = this.#mirror.msUntilDue(queue, this.#now(), accept);
    return waitForWork(this, this.#sync.wake, queue, due !== undefined ? Math.min(ms, due) : ms, () => this.nextPriority(queue, accept) !== undefined, signal);
  }

  health(): StoreHealth {
    const h: StoreHealth = { writable: this.#writable, acceptingNew: this.#writable, reserveBytes: 0 };
    if (this.#reason !== undefined && !this.#writable) h.reason = this.#reason;
    return h;
  }

  /** Sizes of the shared tables (read at open and on each re-read of the mirror). */
  sizes(): Record<string, number> {
    return { ...this.#sizes };
  }

  async #readSizes(): Promise<void> {
    const [r] = await this.db.query(`SELECT pg_total_relation_size('tasks') AS tasks, pg_total_relation_size('inbox') AS inbox, pg_total_relation_size('events') AS events`);
    this.#sizes = { tasks: Number(r!.tasks), inbox: Number(r!.inbox), events: Number(r!.events) };
  }

  onHealthChange(listener: (h: StoreHealth) => void): void {
    this.#healthListeners.push(listener);
  }

  dataMarks(): { seq: number; newestMs: number | undefined } {
    return this.#mirror.marks();
  }

  /** Age is judged by the database's clock, which stamped the rows: a box's own clock and its jumps do not count. */
  async prune(policy: RetentionPolicy): Promise<PruneResult> {
    const removed = await this.#guard(() => pruneAll(this.db, policy, this.#clock.wall()));
    if (removed.tasks) this.#mirror.recount();
    if (removed.tasks || removed.events) await this.#sync.reload();
    return removed;
  }

  async close(): Promise<void> {
    for (const t of this.#timers.splice(0)) clearInterval(t);
    this.deliveries.close();
    await this.#sync.idle();
    for (const release of this.#owned.splice(0)) await release();
  }
}
