import { EventEmitter } from 'node:events';
import { systemClock, type Instant } from '../clock.js';
import { KatarError } from '../errors.js';
import { applyReports } from './apply-reports.js';
import { emitStatus, waitForQueued, type QueueEvents } from './queue-events.js';
import { expireLeases, expireValidity } from './expiry.js';
import { handOut, takeBack } from './hand-out.js';
import type { LeaseAccept } from './lease-filter.js';
import { addTasks } from './new-tasks.js';
import { DeliveryBook } from './delivery-book.js';
import { storeIncoming } from './inbox.js';
import { endOrphanedLeases } from './orphaned-leases.js';
import { QueueIndexes } from './queue-indexes.js';
import type { QueueSettings } from './settings.js';
import type { FileStore } from './store/file-store.js';
import type { ClockJump } from './clock-watch.js';
import { FileEventLog } from './file-event-log.js';
import { retentionRules } from './housekeeping.js';
import { SubscriptionFiles } from './store/subscription-files.js';
import { listInbox, listTasks } from './queries.js';
import type { InboxListing, Page, PruneResult, RetentionPolicy, SmsQueue, StoreHealth, TaskListing } from './sms-queue.js';
import { TaskChanges, type Changed } from './task-changes.js';
import type { TaskOrderIndex } from './task-order-index.js';
import { transition } from './task-transitions.js';
import type { IncomingSms, NewTask, FileQueueOptions, TaskReport } from './queue-types.js';
import type { InboxEntry, Task, TaskStatus } from './task.js';

/** Default most live (queued, paused, in progress) tasks: sized for a Raspberry Pi. */
export const DEFAULT_MAX_LIVE_TASKS = 100_000;

export type { IncomingSms, NewTask, FileQueueOptions, TaskReport } from './queue-types.js';

/**
 * The durable SMS queue: katar's task model with leases, retries, validity,
 * scheduling and idempotency. Both remote HTTP workers and the in-process modem worker
 * go through `lease` / `report`, so they drain one queue fairly. Every method that
 * changes something resolves only once the change is on disk; events follow after.
 *
 * The in-memory indexes are in queue-indexes.ts, the changes of one task in
 * task-changes.ts; the hand-out, reports, expiry, transitions and crash recovery are
 * built from those in their own files.
 */
export class FileQueue extends EventEmitter<QueueEvents> implements SmsQueue {
  readonly store: FileStore;
  /** What `close` releases besides the timers: the store and the data-dir lock, when this queue opened them. */
  readonly #owned: Array<() => Promise<void>>;
  /** A Map, never a plain object: queue names come from URLs (`constructor`, `__proto__`). */
  readonly #settings: Map<string, QueueSettings>;
  readonly #indexes: QueueIndexes;
  readonly #changes: TaskChanges;
  readonly #maxLive: number;
  readonly #isLocal: (worker: string) => boolean;
  /** Status reports: sent parts and the reports that matched them (docs/DELIVERY.md). */
  readonly deliveries: DeliveryBook;
  /** Every change as an event, in the same durable write (docs/EVENTS.md). */
  readonly events: FileEventLog;
  /** Webhook cursors and dead letters, in the data directory. */
  readonly subscriptions: SubscriptionFiles;
  #timer: NodeJS.Timeout | undefined;

  private constructor(opts: FileQueueOptions) {
    super();
    this.store = opts.store;
    this.#owned = opts.owned ?? [];
    this.#settings = new Map(Object.entries(opts.queues));
    const clock = opts.clock ?? systemClock;
    this.#indexes = new QueueIndexes(opts.store, this.#settings, clock);
    this.#changes = new TaskChanges(opts.store, this.#indexes, this.#settings, clock);
    this.#maxLive = opts.maxLiveTasks ?? DEFAULT_MAX_LIVE_TASKS;
    this.#isLocal = opts.isLocalWorker ?? ((w) => w.startsWith('builtin:'));
    this.deliveries = new DeliveryBook(opts.store, (t) => this.emit('delivery', t), { clock });
    this.events = new FileEventLog(opts.store, clock);
    this.subscriptions = new SubscriptionFiles(opts.store.dir);
  }

  #now(): Instant {
    return this.#changes.now();
  }

  /**
   * Builds the queue over a loaded store and recovers what a crash left: tasks held by
   * this process's built-in workers go back to the queue, or fail as "outcome unknown"
   * when the modem may already have sent them.
   */
  static async open(opts: FileQueueOptions): Promise<FileQueue> {
    const q = new FileQueue(opts);
    await q.#recover();
    // After a failed write the store reloads what is on disk; the indexes follow it.
    opts.store.onReload(() => q.#indexes.rebuild(q.#now()));
    const every = opts.sweepIntervalMs ?? 1000;
    if (every > 0) {
      q.#timer = setInterval(() => void q.sweep().catch((err: unknown) => q.emit('error', err as Error)), every);
      q.#timer.unref();
    }
    return q;
  }

  /** Names of the configured queues. */
  get queueNames(): string[] {
    return [...this.#settings.keys()];
  }

  /** Every task of every queue in seq order, for paged listings (src/queue/queries.ts). */
  get taskOrder(): TaskOrderIndex {
    return this.#indexes.taskOrder;
  }

  /** The settings of `queue`, or QUEUE_NOT_FOUND. */
  settings(queue: string): QueueSettings {
    const s = this.#settings.get(queue);
    if (!s) throw new KatarError('QUEUE_NOT_FOUND', `queue "${queue}" not found`, { queue });
    return s;
  }

  /** Indexes the loaded store, then ends the leases the crash left with built-in workers (orphaned-leases.ts). */
  async #recover(): Promise<void> {
    const now = this.#now();
    this.#indexes.rebuild(now);
    await this.#commitChanges(endOrphanedLeases(this.#changes, this.#isLocal, now));
  }

  /** Adds tasks in one durable write. An idempotency key seen before returns the first task. */
  async add(queue: string, items: NewTask[]): Promise<Array<{ task: Task; created: boolean }>> {
    this.settings(queue);
    this.store.assertAcceptingNew();
    // A retry of a send already taken (its idempotency key is known) creates nothing: it
    // gets its first task back even when the queue is full.
    const keys = new Set<string>();
    let fresh = 0;
    for (const i of items) {
      if (i.idempotencyKey === undefined) fresh++;
      else if (!this.#indexes.taskWithKey(queue, i.idempotencyKey) && !keys.has(i.idempotencyKey)) {
        keys.add(i.idempotencyKey);
        fresh++;
      }
    }
    if (fresh > 0 && this.store.live.size + fresh > this.#maxLive) {
      throw new KatarError('QUEUE_FULL', `the queue holds ${this.store.live.size} unsent tasks, the most it takes is ${this.#maxLive} (maxLiveTasks); retry later`, { retryAfterSeconds: 30, limit: this.#maxLive });
    }
    const out = await addTasks(this.#changes, queue, items);
    await this.store.commit();
    for (const o of out) if (o.created) emitStatus(this, o.task, null);
    return out;
  }

  /**
   * Hands up to `max` tasks to `worker`: highest priority first, then oldest; each is
   * `in progress` under a lease until a report or the lease's end (hand-out.ts).
   */
  async lease(queue: string, worker: string, max = 1, leaseMs?: number, accept?: LeaseAccept): Promise<Task[]> {
    const { taken, changed } = this.#take(queue, worker, max, leaseMs, accept);
    await this.#commitChanges(changed);
    return taken;
  }

  /**
   * A worker's poll in one durable write: its reports (all or nothing, as `report`),
   * then up to `max` tasks (as `lease`).
   */
  async reportAndLease(queue: string, worker: string, reports: TaskReport[], max: number, leaseMs?: number, accept?: LeaseAccept): Promise<Task[]> {
    const reported = await this.#applyReports(queue, worker, reports);
    const { taken, changed } = max > 0 ? this.#take(queue, worker, max, leaseMs, accept) : { taken: [], changed: [] };
    await this.#commitChanges([...reported, ...changed]);
    return taken;
  }

  #take(queue: string, worker: string, max: number, leaseMs?: number, accept?: LeaseAccept): { taken: Task[]; changed: Changed[] } {
    const settings = this.settings(queue);
    this.store.assertWritable();
    return handOut(this.#changes, queue, worker, max, leaseMs ?? settings.leaseMs, accept);
  }

  /**
   * Records the workers' reports, all or nothing: an unknown id (404), a task that is
   * now leased to another worker or already finished differently (409) rejects the
   * whole batch. Repeating a report that was already applied is accepted and changes
   * nothing, so a worker may safely retry after a lost answer.
   */
  async report(queue: string, worker: string, reports: TaskReport[]): Promise<void> {
    await this.#commitChanges(await this.#applyReports(queue, worker, reports));
  }

  /** Validates every report, then applies them in memory (durable at the next commit; apply-reports.ts). */
  async #applyReports(queue: string, worker: string, reports: TaskReport[]): Promise<Changed[]> {
    this.settings(queue);
    this.store.assertWritable();
    return applyReports(this.#changes, queue, worker, reports);
  }

  /** Makes `changed` durable, when there is any, then tells of each change. */
  async #commitChanges(changed: Changed[]): Promise<void> {
    if (changed.length) await this.store.commit();
    for (const [t, from] of changed) emitStatus(this, t, from);
  }

  /**
   * Marks that the built-in worker is about to write this task's PDU to the modem:
   * from here a crash means "outcome unknown", never "send again".
   */
  async markSubmitting(queue: string, worker: string, id: string): Promise<void> {
    this.store.assertWritable();
    const t = this.store.live.get(id);
    if (!t || t.queue !== queue || t.status !== 'in progress' || t.lease?.worker !== worker) {
      throw new KatarError('LEASE_LOST', `task ${id} is no longer leased to ${worker}`, { id });
    }
    if (t.lease.submitting) return;
    this.#changes.put({ ...t, lease: { ...t.lease, submitting: true } });
    await this.store.commit();
  }

  /**
   * Gives a leased task back without counting an attempt: the built-in worker knows that
   * nothing reached the modem (it was not ready, or refused before the prompt), so the
   * "submitting" mark, if set, is cleared too.
   */
  async release(queue: string, worker: string, id: string, why: string): Promise<void> {
    this.store.assertWritable();
    const t = this.store.live.get(id);
    if (!t || t.queue !== queue || t.status !== 'in progress' || t.lease?.worker !== worker) return;
    const next = takeBack(this.#changes, t, why);
    await this.store.commit();
    emitStatus(this, next, 'in progress');
  }

  /** Cancels a queued or paused task (TASK_CONFLICT otherwise). */
  async cancel(queue: string, id: string): Promise<Task> {
    return this.#transition(queue, id, ['queued', 'paused'], 'cancelled');
  }

  /** Pauses a queued task: it stays but is not handed out. */
  async pause(queue: string, id: string): Promise<Task> {
    return this.#transition(queue, id, ['queued'], 'paused');
  }

  /** Puts a paused task back in the queue. */
  async resume(queue: string, id: string): Promise<Task> {
    return this.#transition(queue, id, ['paused'], 'queued');
  }

  async #transition(queue: string, id: string, from: TaskStatus[], to: TaskStatus): Promise<Task> {
    this.settings(queue);
    this.store.assertWritable();
    const changed = await transition(this.#changes, queue, id, from, to);
    await this.store.commit();
    emitStatus(this, ...changed);
    return changed[0];
  }

  /** Stores a received SMS once: a repeat of a known `dedupKey` returns the first entry. */
  async receive(queue: string, sms: IncomingSms): Promise<{ entry: InboxEntry; duplicate: boolean }> {
    this.settings(queue);
    this.store.assertWritable();
    const r = await storeIncoming(this.store, queue, sms, new Date(this.#now().wall));
    if (!r.duplicate) {
      await this.store.commit();
      this.emit('sms', r.entry);
    }
    return r;
  }

  /** Expires leases and validity that have run out (expiry.ts); called by a timer and before each lease. */
  async sweep(): Promise<void> {
    // Nothing expires while nothing can be recorded: the leases wait for the disk.
    if (!this.store.writable) return;
    const now = this.#now();
    await this.#commitChanges([...expireLeases(this.#changes, now), ...expireValidity(this.#changes, now)]);
  }

  /**
   * Resolves when a task of `queue` may be ready (one was queued, or a scheduled one fell
   * due), after `ms` at the latest, or when `signal` aborts. For long-polling workers.
   */
  waitForWork(queue: string, ms: number, signal?: AbortSignal, accept?: LeaseAccept): Promise<void> {
    // A task ready now is work now: no wait at all.
    if (this.nextPriority(queue, accept) !== undefined) return Promise.resolve();
    const due = this.msUntilDue(queue, accept);
    return waitForQueued(this, queue, due !== undefined ? Math.min(ms, due) : ms, signal);
  }

  /** Priority of the task the next lease of `queue` would hand out, if any. */
  nextPriority(queue: string, accept?: LeaseAccept): number | undefined {
    return this.#indexes.ready(queue)?.peekPriority(this.#now(), (id) => this.store.live.get(id), accept);
  }

  /** Milliseconds until a scheduled or backed-off task of `queue` may become due. */
  msUntilDue(queue: string, accept?: LeaseAccept): number | undefined {
    return this.#indexes.ready(queue)?.msUntilDue(this.#now(), accept);
  }

  /** A task by id, live or finished. */
  async get(queue: string, id: string): Promise<Task> {
    this.settings(queue);
    const t = this.store.live.get(id) ?? (await this.#changes.readFinished(id));
    if (!t || t.queue !== queue) throw new KatarError('TASK_NOT_FOUND', `task ${id} not found in queue "${queue}"`, { id });
    return t;
  }

  /** Tasks per status in `queue` (live ones counted now, finished ones kept as counters). */
  counts(queue: string): Record<TaskStatus, number> {
    const c: Record<TaskStatus, number> = { paused: 0, queued: 0, 'in progress': 0, done: 0, failed: 0, cancelled: 0 };
    for (const t of this.store.live.values()) if (t.queue === queue) c[t.status]++;
    for (const [s, n] of this.#indexes.finishedCounts(queue)) c[s] += n;
    return c;
  }

  /** Milliseconds left on the lease of task `id`, when it is leased. */
  leaseRemainingMs(id: string): number | undefined {
    return this.#indexes.leases.remainingMs(id);
  }

  /** Rebuilds the finished-task counters and the listing index from history (after retention, at start, after a reload). */
  recountHistory(): void {
    this.#indexes.recountHistory();
  }

  async listTasks(queue: string, opts: TaskListing): Promise<Page<Task>> {
    return listTasks(this, queue, opts);
  }

  async listInbox(queue: string, opts: InboxListing): Promise<Page<InboxEntry>> {
    return listInbox(this, queue, opts);
  }

  health(): StoreHealth {
    return this.store.health();
  }

  sizes(): Record<string, number> {
    return this.store.sizes();
  }

  onHealthChange(listener: (h: StoreHealth) => void): void {
    this.store.onStateChange(listener);
  }

  dataMarks(): { seq: number; newestMs: number | undefined } {
    let newest = -Infinity;
    // From the index's column: a meta and a date string per finished task (two passes at
    // start) took 0.1-0.2 s of every start with 100,000 of them.
    newest = Math.max(newest, this.store.history.newestFinishedMs());
    for (const m of this.store.inbox) newest = Math.max(newest, Date.parse(m.receivedAt));
    for (const t of this.store.live.values()) newest = Math.max(newest, Date.parse(t.updatedAt));
    return { seq: this.store.maxSeq, newestMs: Number.isFinite(newest) ? newest : undefined };
  }

  /** Rewrites history, inbox and event log without what retention drops (housekeeping.ts says what is old). */
  async prune(policy: RetentionPolicy, now: number, jump?: ClockJump): Promise<PruneResult> {
    const old = retentionRules(policy, now, jump);
    const removed = await this.store.compact(
      (m) => old.task(m, m.finishedAt),
      (m) => old.sms(m, m.receivedAt),
      old.events,
    );
    if (removed.tasks) this.recountHistory();
    return removed;
  }

  /** Stops the sweep timer, then closes what this queue opened (store, data-dir lock). */
  async close(): Promise<void> {
    this.deliveries.close();
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const release of this.#owned.splice(0)) await release();
  }
}
