import { EventEmitter } from 'node:events';
import { instant, systemClock, type Clock, type Instant } from '../clock.js';
import { KatarError } from '../errors.js';
import type { QueueEvents } from './events.js';
import { newId } from './ids.js';
import { backoffMs, closeLastAttempt, failedEnd, unknownEnd, type AttemptEnd } from './attempt-rules.js';
import { LeaseBook } from './lease-book.js';
import { DeliveryBook } from './delivery-book.js';
import { storeIncoming } from './inbox.js';
import { judgeReport } from './report-rules.js';
import { ReadyIndex } from './ready-index.js';
import { TaskOrderIndex } from './task-order-index.js';
import type { QueueSettings } from './settings.js';
import type { FileStore } from './store/file-store.js';
import type { ClockJump } from './clock-watch.js';
import { retentionRules } from './housekeeping.js';
import { listInbox, listTasks } from './queries.js';
import type { InboxListing, Page, RetentionPolicy, SmsQueue, StoreHealth, TaskListing } from './sms-queue.js';
import type { IncomingSms, NewTask, FileQueueOptions, TaskReport } from './queue-types.js';
import { type Attempt, type InboxEntry, type Task, type TaskStatus } from './task.js';

/** Default most live (queued, paused, in progress) tasks: sized for a Raspberry Pi. */
export const DEFAULT_MAX_LIVE_TASKS = 100_000;

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The attempts of every task not yet handed out: one shared frozen array, not one per
 * task. Safe because attempts are never changed in place (each change copies them into
 * the task's next version); the freeze makes a change in place fail loudly.
 */
const NO_ATTEMPTS = Object.freeze([]) as unknown as Attempt[];

export type { IncomingSms, NewTask, FileQueueOptions, TaskReport } from './queue-types.js';

/**
 * The durable SMS queue: katar's task model with leases, retries, validity,
 * scheduling and idempotency. Both remote HTTP workers and the in-process modem worker
 * go through `lease` / `report`, so they drain one queue fairly. Every method that
 * changes something resolves only once the change is on disk; events follow after.
 */
export class FileQueue extends EventEmitter<QueueEvents> implements SmsQueue {
  readonly store: FileStore;
  /** What `close` releases besides the timers: the store and the data-dir lock, when this queue opened them. */
  readonly #owned: Array<() => Promise<void>>;
  /** A Map, never a plain object: queue names come from URLs (`constructor`, `__proto__`). */
  readonly #settings: Map<string, QueueSettings>;
  readonly #ready = new Map<string, ReadyIndex>();
  readonly #clock: Clock;
  readonly #leases: LeaseBook;
  readonly #maxLive: number;
  /** `${queue}\u0000${key}` -> task id, over live tasks and history. */
  readonly #idempotency = new Map<string, string>();
  readonly #historyCounts = new Map<string, Map<TaskStatus, number>>();
  readonly #taskOrder: TaskOrderIndex;
  readonly #isLocal: (worker: string) => boolean;
  /** Status reports: sent parts and the reports that matched them (docs/DELIVERY.md). */
  readonly deliveries: DeliveryBook;
  #timer: NodeJS.Timeout | undefined;

  private constructor(opts: FileQueueOptions) {
    super();
    this.store = opts.store;
    this.#owned = opts.owned ?? [];
    this.#taskOrder = new TaskOrderIndex(opts.store);
    this.#settings = new Map(Object.entries(opts.queues));
    this.#clock = opts.clock ?? systemClock;
    this.#leases = new LeaseBook(this.#clock);
    this.#maxLive = opts.maxLiveTasks ?? DEFAULT_MAX_LIVE_TASKS;
    this.#isLocal = opts.isLocalWorker ?? ((w) => w.startsWith('builtin:'));
    this.deliveries = new DeliveryBook(opts.store, (t) => this.emit('delivery', t), { clock: this.#clock });
    for (const q of this.#settings.keys()) this.#ready.set(q, new ReadyIndex());
  }

  #now(): Instant {
    return instant(this.#clock);
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
    opts.store.onReload(() => q.#index(q.#now()));
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
    return this.#taskOrder;
  }

  /** The settings of `queue`, or QUEUE_NOT_FOUND. */
  settings(queue: string): QueueSettings {
    const s = this.#settings.get(queue);
    if (!s) throw new KatarError('QUEUE_NOT_FOUND', `queue "${queue}" not found`, { queue });
    return s;
  }

  /**
   * Rebuilds every in-memory index from the store's tasks: at start, and whenever the
   * store reloads after a failed write. Durations restart from now: a lease held by a
   * remote worker gets its full length again (the process cannot know how much of it
   * passed while it was down or how the clock moved), a backoff keeps what is left of
   * it, capped at the queue's longest backoff.
   */
  #index(now: Instant): void {
    for (const q of this.#settings.keys()) this.#ready.set(q, new ReadyIndex());
    this.#leases.clear();
    this.#idempotency.clear();
    this.recountHistory();
    for (const t of this.store.live.values()) {
      const settings = this.#settings.get(t.queue);
      if (!settings) continue; // a queue removed from the config: kept, untouched
      if (t.idempotencyKey !== undefined) this.#idempotency.set(`${t.queue}\u0000${t.idempotencyKey}`, t._id);
      if (t.status === 'queued') {
        const left = t.notBefore ? Math.min(Date.parse(t.notBefore) - now.wall, settings.retry.maxDelayMs) : 0;
        this.#ready.get(t.queue)!.add(t, now, left > 0 ? now.mono + left : undefined);
      }
      if (t.status === 'in progress' && t.lease) this.#leases.arm(t._id, leaseLength(t, settings));
    }
  }

  /**
   * Indexes the loaded store and recovers what a crash left: tasks held by this
   * process's built-in workers go back to the queue, or fail as "outcome unknown" when
   * the modem may already have sent them.
   */
  async #recover(): Promise<void> {
    const now = this.#now();
    this.#index(now);
    const recovered: Array<[Task, TaskStatus]> = [];
    for (const t of [...this.store.live.values()]) {
      if (!this.#settings.has(t.queue)) continue;
      if (t.status === 'in progress' && t.lease && this.#isLocal(t.lease.worker)) {
        const why = t.lease.submitting ? 'gateway stopped while the modem was sending' : 'gateway stopped before sending';
        const settings = this.#settings.get(t.queue)!;
        const next = this.#endAttempt(t, now, t.lease.submitting ? unknownEnd(t, settings, why) : { outcome: 'expired', error: why, status: 'queued' });
        recovered.push([next, t.status]);
      }
    }
    if (recovered.length) await this.store.commit();
    for (const [t, from] of recovered) this.#emitStatus(t, from);
  }

  /** Adds tasks in one durable write. An idempotency key seen before returns the first task. */
  async add(queue: string, items: NewTask[]): Promise<Array<{ task: Task; created: boolean }>> {
    this.settings(queue);
    this.store.assertAcceptingNew();
    if (this.store.live.size + items.length > this.#maxLive) {
      throw new KatarError('QUEUE_FULL', `the queue holds ${this.store.live.size} unsent tasks, the most it takes is ${this.#maxLive} (maxLiveTasks); retry later`, { retryAfterSeconds: 30, limit: this.#maxLive });
    }
    const now = this.#now();
    // One string for every timestamp of the batch: 100,000 queued tasks keep 40 bytes
    // each less than with a createdAt and an updatedAt of their own.
    const at = iso(now.wall);
    const out: Array<{ task: Task; created: boolean }> = [];
    for (const item of items) {
      const key = item.idempotencyKey !== undefined ? `${queue}\u0000${item.idempotencyKey}` : undefined;
      const existingId = key ? this.#idempotency.get(key) : undefined;
      if (existingId) {
        const existing = this.store.live.get(existingId) ?? (await this.#readFinished(existingId));
        if (existing) {
          out.push({ task: existing, created: false });
          continue;
        }
      }
      const task: Task = {
        _id: newId(now.wall),
        queue,
        seq: ++this.store.maxSeq,
        data: { to: item.data.to, msg: item.data.msg },
        status: item.paused ? 'paused' : 'queued',
        priority: item.priority ?? 0,
        parts: item.parts,
        createdAt: at,
        updatedAt: at,
        attempts: NO_ATTEMPTS,
      };
      if (item.sendAt) task.sendAt = item.sendAt.toISOString();
      if (item.validUntil) task.validUntil = item.validUntil.toISOString();
      if (item.idempotencyKey !== undefined) task.idempotencyKey = item.idempotencyKey;
      this.#putLive(task);
      this.#taskOrder.append(task);
      if (key) this.#idempotency.set(key, task._id);
      if (task.status === 'queued') this.#ready.get(queue)!.add(task, now);
      out.push({ task, created: true });
    }
    await this.store.commit();
    for (const o of out) if (o.created) this.#emitStatus(o.task, null);
    return out;
  }

  /**
   * Hands up to `max` tasks to `worker`: highest priority first, then oldest; each is
   * `in progress` under a lease until a report or the lease's end.
   */
  async lease(queue: string, worker: string, max = 1, leaseMs?: number): Promise<Task[]> {
    const { taken, changed } = this.#take(queue, worker, max, leaseMs);
    if (changed.length) await this.store.commit();
    for (const [t, from] of changed) this.#emitStatus(t, from);
    return taken;
  }

  /**
   * A worker's poll in one durable write: its reports (all or nothing, as `report`),
   * then up to `max` tasks (as `lease`).
   */
  async reportAndLease(queue: string, worker: string, reports: TaskReport[], max: number, leaseMs?: number): Promise<Task[]> {
    const reported = await this.#applyReports(queue, worker, reports);
    const { taken, changed } = max > 0 ? this.#take(queue, worker, max, leaseMs) : { taken: [], changed: [] };
    const all = [...reported, ...changed];
    if (all.length) await this.store.commit();
    for (const [t, from] of all) this.#emitStatus(t, from);
    return taken;
  }

  #take(queue: string, worker: string, max: number, leaseMs?: number): { taken: Task[]; changed: Array<[Task, TaskStatus]> } {
    const settings = this.settings(queue);
    this.store.assertWritable();
    const now = this.#now();
    const changed = this.#expireLeases(now);
    const index = this.#ready.get(queue)!;
    const taken: Task[] = [];
    while (taken.length < max) {
      const t = index.take(now, (id) => this.store.live.get(id));
      if (!t) break;
      if (t.validUntil && Date.parse(t.validUntil) <= now.wall) {
        changed.push([this.#finish({ ...t, error: 'expired: validUntil passed before it could be sent' }, 'failed', now), t.status]);
        continue;
      }
      const ms = leaseMs ?? settings.leaseMs;
      const attempt: Attempt = { n: t.attempts.length + 1, worker, startedAt: iso(now.wall) };
      const next: Task = { ...t, status: 'in progress', updatedAt: iso(now.wall), lease: { worker, expiresAt: iso(now.wall + ms) }, attempts: [...t.attempts, attempt] };
      delete next.notBefore;
      this.#putLive(next);
      this.#leases.arm(next._id, ms);
      taken.push(next);
      changed.push([next, t.status]);
    }
    return { taken, changed };
  }

  /**
   * Records the workers' reports, all or nothing: an unknown id (404), a task that is
   * now leased to another worker or already finished differently (409) rejects the
   * whole batch. Repeating a report that was already applied is accepted and changes
   * nothing, so a worker may safely retry after a lost answer.
   */
  async report(queue: string, worker: string, reports: TaskReport[]): Promise<void> {
    const changed = await this.#applyReports(queue, worker, reports);
    if (changed.length) await this.store.commit();
    for (const [t, from] of changed) this.#emitStatus(t, from);
  }

  /** Validates every report, then applies them in memory (durable at the next commit). */
  async #applyReports(queue: string, worker: string, reports: TaskReport[]): Promise<Array<[Task, TaskStatus]>> {
    this.settings(queue);
    this.store.assertWritable();
    const now = this.#now();
    const plans: Array<{ task: Task; report: TaskReport }> = [];
    for (const [i, r] of reports.entries()) {
      const found = this.store.live.get(r._id);
      const live = found?.queue === queue ? found : undefined;
      const done = live ? undefined : await this.#readFinished(r._id);
      const finished = done?.queue === queue ? done : undefined;
      if (judgeReport(r, i, worker, live, finished) === 'apply') plans.push({ task: live!, report: r });
    }
    return plans.map(({ task, report }) => [this.#applyReport(task, report, now), task.status]);
  }

  #applyReport(t: Task, r: TaskReport, now: Instant): Task {
    // Each part's delivery was recorded as the modem took it (delivery-book.ts): kept as is.
    const settings = this.#settings.get(t.queue)!;
    if (r.status === 'done') return this.#endAttempt(t, now, { outcome: 'done', status: 'done' });
    if (r.status === 'unknown') return this.#endAttempt(t, now, unknownEnd(t, settings, r.error ?? 'no answer from the modem after the message was handed to it'));
    return this.#endAttempt(t, now, failedEnd(t, settings, r.error!));
  }

  /** Closes the current attempt and moves the task where `end` says, durably (at the next commit). */
  #endAttempt(t: Task, now: Instant, end: AttemptEnd): Task {
    const settings = this.#settings.get(t.queue)!;
    this.#leases.disarm(t._id);
    const attempts = closeLastAttempt(t.attempts, end, iso(now.wall));
    const next: Task = { ...t, attempts, updatedAt: iso(now.wall) };
    delete next.lease;
    if (end.error !== undefined) next.error = end.error;
    if (end.status === 'queued') {
      // The backoff is a duration on the monotonic clock; notBefore is what people read.
      const backoff = backoffMs(attempts, end, settings);
      if (backoff > 0) next.notBefore = iso(now.wall + backoff);
      next.status = 'queued';
      this.#putLive(next);
      this.#ready.get(t.queue)!.add(next, now, backoff > 0 ? now.mono + backoff : undefined);
      return next;
    }
    if (end.status === 'done') delete next.error;
    return this.#finish(next, end.status, now);
  }

  #finish(t: Task, status: TaskStatus, now: Instant): Task {
    const done: Task = { ...t, status, updatedAt: iso(now.wall), finishedAt: iso(now.wall) };
    delete done.lease;
    delete done.notBefore;
    this.#leases.disarm(done._id);
    this.#ready.get(done.queue)?.forget(done._id);
    this.store.live.delete(done._id);
    this.store.finish(done);
    this.#countHistory(done.queue, status);
    return done;
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
    this.#putLive({ ...t, lease: { ...t.lease, submitting: true } });
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
    const attempts = t.attempts.slice(0, -1);
    const now = this.#now();
    const next: Task = { ...t, status: 'queued', attempts, updatedAt: iso(now.wall), error: why };
    delete next.lease;
    this.#leases.disarm(id);
    this.#putLive(next);
    this.#ready.get(queue)!.add(next, now);
    await this.store.commit();
    this.#emitStatus(next, 'in progress');
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
    const t = this.store.live.get(id);
    if (!t || t.queue !== queue) {
      const done = await this.#readFinished(id);
      if (done && done.queue === queue) throw new KatarError('TASK_CONFLICT', `task ${id} is ${done.status}; only ${from.join(' or ')} tasks can become ${to}`, { id, status: done.status });
      throw new KatarError('TASK_NOT_FOUND', `task ${id} not found in queue "${queue}"`, { id });
    }
    if (!from.includes(t.status)) throw new KatarError('TASK_CONFLICT', `task ${id} is ${t.status}; only ${from.join(' or ')} tasks can become ${to}`, { id, status: t.status });
    const now = this.#now();
    let next: Task;
    if (to === 'cancelled') next = this.#finish(t, 'cancelled', now);
    else {
      next = { ...t, status: to, updatedAt: iso(now.wall) };
      this.#putLive(next);
      if (to === 'queued') this.#ready.get(queue)!.add(next, now);
    }
    await this.store.commit();
    this.#emitStatus(next, t.status);
    return next;
  }

  /** Stores a received SMS once: a repeat of a known `dedupKey` returns the first entry. */
  async receive(queue: string, sms: IncomingSms): Promise<{ entry: InboxEntry; duplicate: boolean }> {
    this.settings(queue);
    this.store.assertWritable();
    const r = await storeIncoming(this.store, queue, sms);
    if (!r.duplicate) {
      await this.store.commit();
      this.emit('sms', r.entry);
    }
    return r;
  }

  /** Expires leases and validity that have run out; called by a timer and before each lease. */
  async sweep(): Promise<void> {
    // Nothing expires while nothing can be recorded: the leases wait for the disk.
    if (!this.store.writable) return;
    const now = this.#now();
    const changed = this.#expireLeases(now);
    // Runs every second over every live task: look first, without copying the live map,
    // and change the few expired ones after the walk.
    const expired: Task[] = [];
    for (const t of this.store.live.values()) {
      if (t.validUntil && (t.status === 'queued' || t.status === 'paused') && Date.parse(t.validUntil) <= now.wall && this.#settings.has(t.queue)) expired.push(t);
    }
    for (const t of expired) changed.push([this.#finish({ ...t, error: 'expired: validUntil passed before it could be sent' }, 'failed', now), t.status]);
    if (changed.length === 0) return;
    await this.store.commit();
    for (const [t, from] of changed) this.#emitStatus(t, from);
  }

  #expireLeases(now: Instant): Array<[Task, TaskStatus]> {
    const changed: Array<[Task, TaskStatus]> = [];
    for (const id of this.#leases.takeExpired()) {
      const t = this.store.live.get(id);
      if (!t || t.status !== 'in progress' || !t.lease) continue;
      const settings = this.#settings.get(t.queue)!;
      let next: Task;
      if (t.lease.submitting) next = this.#endAttempt(t, now, unknownEnd(t, settings, 'lease ended while the modem was sending'));
      else if (t.attempts.length >= settings.maxAttempts) next = this.#endAttempt(t, now, { outcome: 'expired', error: `lease expired ${t.attempts.length} times without a report`, status: 'failed' });
      else next = this.#endAttempt(t, now, { outcome: 'expired', status: 'queued' });
      changed.push([next, t.status]);
    }
    return changed;
  }

  /**
   * Resolves when a task of `queue` may be ready (one was queued, or a scheduled one fell
   * due), after `ms` at the latest, or when `signal` aborts. For long-polling workers.
   */
  waitForWork(queue: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const due = this.msUntilDue(queue);
      const wait = due !== undefined ? Math.min(ms, due) : ms;
      const done = (): void => {
        clearTimeout(timer);
        this.off('queued', onQueued);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const onQueued = (t: Task): void => {
        if (t.queue === queue) done();
      };
      const timer = setTimeout(done, wait);
      this.on('queued', onQueued);
      signal?.addEventListener('abort', done);
    });
  }

  /** Priority of the task the next lease of `queue` would hand out, if any. */
  nextPriority(queue: string): number | undefined {
    return this.#ready.get(queue)?.peekPriority(this.#now(), (id) => this.store.live.get(id));
  }

  /** Milliseconds until a scheduled or backed-off task of `queue` may become due. */
  msUntilDue(queue: string): number | undefined {
    return this.#ready.get(queue)?.msUntilDue(this.#now());
  }

  async #readFinished(id: string): Promise<Task | undefined> {
    const meta = this.store.history.get(id);
    return meta ? this.store.readHistory(meta) : undefined;
  }

  /** A task by id, live or finished. */
  async get(queue: string, id: string): Promise<Task> {
    this.settings(queue);
    const t = this.store.live.get(id) ?? (await this.#readFinished(id));
    if (!t || t.queue !== queue) throw new KatarError('TASK_NOT_FOUND', `task ${id} not found in queue "${queue}"`, { id });
    return t;
  }

  /** Tasks per status in `queue` (live ones counted now, finished ones kept as counters). */
  counts(queue: string): Record<TaskStatus, number> {
    const c: Record<TaskStatus, number> = { paused: 0, queued: 0, 'in progress': 0, done: 0, failed: 0, cancelled: 0 };
    for (const t of this.store.live.values()) if (t.queue === queue) c[t.status]++;
    for (const [s, n] of this.#historyCounts.get(queue) ?? []) c[s] += n;
    return c;
  }

  /** Milliseconds left on the lease of task `id`, when it is leased. */
  leaseRemainingMs(id: string): number | undefined {
    return this.#leases.remainingMs(id);
  }

  /** Rebuilds the finished-task counters and the listing index from history (after retention, at start, after a reload). */
  recountHistory(): void {
    this.#historyCounts.clear();
    this.#taskOrder.rebuild();
    for (const m of this.store.history.values()) {
      if (m.idempotencyKey !== undefined) this.#idempotency.set(`${m.queue}\u0000${m.idempotencyKey}`, m._id);
      this.#countHistory(m.queue, m.status);
    }
  }

  #countHistory(queue: string, status: TaskStatus): void {
    let m = this.#historyCounts.get(queue);
    if (!m) this.#historyCounts.set(queue, (m = new Map()));
    m.set(status, (m.get(status) ?? 0) + 1);
  }

  #putLive(t: Task): void {
    this.store.live.set(t._id, t);
    this.store.putLive(t);
  }

  #emitStatus(t: Task, from: TaskStatus | null): void {
    if (from === t.status) return;
    this.emit('status', t, from);
    this.emit(t.status, t);
    if (t.status === 'done') this.emit('sent', { _id: t._id, queue: t.queue, to: t.data.to, msg: t.data.msg });
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
    for (const m of this.store.history.values()) newest = Math.max(newest, Date.parse(m.finishedAt));
    for (const m of this.store.inbox) newest = Math.max(newest, Date.parse(m.receivedAt));
    for (const t of this.store.live.values()) newest = Math.max(newest, Date.parse(t.updatedAt));
    return { seq: this.store.maxSeq, newestMs: Number.isFinite(newest) ? newest : undefined };
  }

  /** Rewrites history and inbox without what retention drops (housekeeping.ts says what is old). */
  async prune(policy: RetentionPolicy, now: number, jump?: ClockJump): Promise<{ tasks: number; sms: number }> {
    const old = retentionRules(policy, now, jump);
    const removed = await this.store.compact(
      (m) => old.task(m, m.finishedAt),
      (m) => old.sms(m, m.receivedAt),
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

/**
 * The length of the lease a task was given: both ends were read off the wall clock in
 * the same instant, so their difference holds whatever the clock did since.
 */
function leaseLength(t: Task, settings: QueueSettings): number {
  const started = Date.parse(t.attempts[t.attempts.length - 1]?.startedAt ?? '');
  const ms = Date.parse(t.lease?.expiresAt ?? '') - started;
  return Number.isFinite(ms) && ms > 0 ? ms : settings.leaseMs;
}
