import { EventEmitter } from 'node:events';
import { KatarError } from '../errors.js';
import type { QueueEvents } from './events.js';
import { Heap } from './heap.js';
import { newId } from './ids.js';
import { findDelivery, storeIncoming } from './inbox.js';
import { judgeReport } from './report-rules.js';
import { ReadyIndex } from './ready-index.js';
import { retryDelay, type QueueSettings } from './settings.js';
import type { FileStore } from './store/file-store.js';
import type { IncomingSms, NewTask, QueueServiceOptions, TaskReport } from './queue-types.js';
import { type Attempt, type InboxEntry, type Task, type TaskStatus } from './task.js';

interface LeaseEntry {
  id: string;
  expires: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export type { IncomingSms, NewTask, QueueServiceOptions, TaskReport } from './queue-types.js';

/**
 * The durable SMS queue: katar's task model with leases, retries, validity,
 * scheduling and idempotency. Both remote HTTP workers and the in-process modem worker
 * go through `lease` / `report`, so they drain one queue fairly. Every method that
 * changes something resolves only once the change is on disk; events follow after.
 */
export class QueueService extends EventEmitter<QueueEvents> {
  readonly store: FileStore;
  readonly #settings: Record<string, QueueSettings>;
  readonly #ready = new Map<string, ReadyIndex>();
  readonly #leases = new Heap<LeaseEntry>((a, b) => a.expires < b.expires);
  /** `${queue}\u0000${key}` -> task id, over live tasks and history. */
  readonly #idempotency = new Map<string, string>();
  readonly #historyCounts = new Map<string, Map<TaskStatus, number>>();
  readonly #localPrefix: string;
  #timer: NodeJS.Timeout | undefined;

  private constructor(opts: QueueServiceOptions) {
    super();
    this.store = opts.store;
    this.#settings = opts.queues;
    this.#localPrefix = opts.localWorkerPrefix ?? 'builtin:';
    for (const q of Object.keys(opts.queues)) this.#ready.set(q, new ReadyIndex());
  }

  /**
   * Builds the queue over a loaded store and recovers what a crash left: tasks held by
   * this process's built-in workers go back to the queue, or fail as "outcome unknown"
   * when the modem may already have sent them.
   */
  static async open(opts: QueueServiceOptions): Promise<QueueService> {
    const q = new QueueService(opts);
    await q.#recover();
    const every = opts.sweepIntervalMs ?? 1000;
    if (every > 0) {
      q.#timer = setInterval(() => void q.sweep().catch((err: unknown) => q.emit('error', err as Error)), every);
      q.#timer.unref();
    }
    return q;
  }

  /** Names of the configured queues. */
  get queueNames(): string[] {
    return Object.keys(this.#settings);
  }

  /** The settings of `queue`, or QUEUE_NOT_FOUND. */
  settings(queue: string): QueueSettings {
    const s = this.#settings[queue];
    if (!s) throw new KatarError('QUEUE_NOT_FOUND', `queue "${queue}" not found`, { queue });
    return s;
  }

  async #recover(): Promise<void> {
    const now = Date.now();
    for (const meta of this.store.history.values()) {
      if (meta.idempotencyKey !== undefined) this.#idempotency.set(`${meta.queue}\u0000${meta.idempotencyKey}`, meta._id);
      this.#countHistory(meta.queue, meta.status);
    }
    const recovered: Array<[Task, TaskStatus]> = [];
    for (const t of [...this.store.live.values()]) {
      if (!this.#settings[t.queue]) continue; // a queue removed from the config: kept, untouched
      if (t.idempotencyKey !== undefined) this.#idempotency.set(`${t.queue}\u0000${t.idempotencyKey}`, t._id);
      if (t.status === 'in progress' && t.lease?.worker.startsWith(this.#localPrefix)) {
        const why = t.lease.submitting ? 'gateway stopped while the modem was sending' : 'gateway stopped before sending';
        const next = t.lease.submitting ? this.#unknownOutcome(t, now, why) : this.#endAttempt(t, now, 'expired', why, 'queued');
        recovered.push([next, t.status]);
        continue;
      }
      if (t.status === 'queued') this.#ready.get(t.queue)!.add(t, now);
      if (t.status === 'in progress' && t.lease) this.#leases.push({ id: t._id, expires: Date.parse(t.lease.expiresAt) });
    }
    if (recovered.length) await this.store.commit();
    for (const [t, from] of recovered) this.#emitStatus(t, from);
  }

  /** Adds tasks in one durable write. An idempotency key seen before returns the first task. */
  async add(queue: string, items: NewTask[]): Promise<Array<{ task: Task; created: boolean }>> {
    this.settings(queue);
    const now = Date.now();
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
        _id: newId(now),
        queue,
        seq: ++this.store.maxSeq,
        data: { to: item.data.to, msg: item.data.msg },
        status: item.paused ? 'paused' : 'queued',
        priority: item.priority ?? 0,
        parts: item.parts,
        createdAt: iso(now),
        updatedAt: iso(now),
        attempts: [],
      };
      if (item.sendAt) task.sendAt = item.sendAt.toISOString();
      if (item.validUntil) task.validUntil = item.validUntil.toISOString();
      if (item.idempotencyKey !== undefined) task.idempotencyKey = item.idempotencyKey;
      this.#putLive(task);
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
    const now = Date.now();
    const changed = this.#expireLeases(now);
    const index = this.#ready.get(queue)!;
    const taken: Task[] = [];
    while (taken.length < max) {
      const t = index.take(now, (id) => this.store.live.get(id));
      if (!t) break;
      if (t.validUntil && Date.parse(t.validUntil) <= now) {
        changed.push([this.#finish({ ...t, error: 'expired: validUntil passed before it could be sent' }, 'failed', now), t.status]);
        continue;
      }
      const expires = now + (leaseMs ?? settings.leaseMs);
      const attempt: Attempt = { n: t.attempts.length + 1, worker, startedAt: iso(now) };
      const next: Task = { ...t, status: 'in progress', updatedAt: iso(now), lease: { worker, expiresAt: iso(expires) }, attempts: [...t.attempts, attempt] };
      delete next.notBefore;
      this.#putLive(next);
      this.#leases.push({ id: next._id, expires });
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
    const now = Date.now();
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

  #applyReport(t: Task, r: TaskReport, now: number): Task {
    let base = t;
    if (r.references) base = { ...t, delivery: { status: 'pending', references: r.references, updatedAt: iso(now) } };
    if (r.references && !r.awaitingReport) delete base.delivery;
    if (r.status === 'done') return this.#endAttempt(base, now, 'done', undefined, 'done');
    if (r.status === 'unknown') return this.#unknownOutcome(base, now, r.error ?? 'no answer from the modem after the message was handed to it');
    return this.#failAttempt(base, now, r.error!);
  }

  /** A failed attempt: retried with backoff until maxAttempts, then failed for good. */
  #failAttempt(t: Task, now: number, error: string, outcome: 'failed' | 'unknown' = 'failed'): Task {
    const settings = this.#settings[t.queue]!;
    return this.#endAttempt(t, now, outcome, error, t.attempts.length >= settings.maxAttempts ? 'failed' : 'queued');
  }

  /** The modem may or may not have sent it: failed for good, unless the config allows a resend. */
  #unknownOutcome(t: Task, now: number, why: string): Task {
    const error = why.startsWith('outcome unknown') ? why : `outcome unknown: ${why}`;
    if (this.#settings[t.queue]?.resendOnUnknownOutcome) return this.#failAttempt(t, now, error, 'unknown');
    return this.#endAttempt(t, now, 'unknown', error, 'failed');
  }

  /** Closes the current attempt and moves the task to `status`, durably (at the next commit). */
  #endAttempt(t: Task, now: number, outcome: Attempt['outcome'], error: string | undefined, status: TaskStatus): Task {
    const attempts = t.attempts.slice();
    const last = attempts[attempts.length - 1];
    if (last && !last.outcome) {
      const closed: Attempt = { ...last, endedAt: iso(now), outcome };
      if (error !== undefined) closed.error = error;
      attempts[attempts.length - 1] = closed;
    } else if (last && error !== undefined) {
      attempts[attempts.length - 1] = { ...last, error };
    }
    const next: Task = { ...t, attempts, updatedAt: iso(now) };
    delete next.lease;
    if (error !== undefined) next.error = error;
    if (status === 'queued') {
      const failures = attempts.filter((a) => a.outcome === 'failed' || a.outcome === 'unknown').length;
      if (outcome === 'failed' || outcome === 'unknown') next.notBefore = iso(now + retryDelay(this.#settings[t.queue]!, failures));
      next.status = 'queued';
      this.#putLive(next);
      this.#ready.get(t.queue)!.add(next, now);
      return next;
    }
    if (status === 'done') delete next.error;
    return this.#finish(next, status, now);
  }

  #finish(t: Task, status: TaskStatus, now: number): Task {
    const done: Task = { ...t, status, updatedAt: iso(now), finishedAt: iso(now) };
    delete done.lease;
    delete done.notBefore;
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
    const t = this.store.live.get(id);
    if (!t || t.queue !== queue || t.status !== 'in progress' || t.lease?.worker !== worker) return;
    const attempts = t.attempts.slice(0, -1);
    const next: Task = { ...t, status: 'queued', attempts, updatedAt: iso(Date.now()), error: why };
    delete next.lease;
    this.#putLive(next);
    this.#ready.get(queue)!.add(next, Date.now());
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
    const t = this.store.live.get(id);
    if (!t || t.queue !== queue) {
      const done = await this.#readFinished(id);
      if (done && done.queue === queue) throw new KatarError('TASK_CONFLICT', `task ${id} is ${done.status}; only ${from.join(' or ')} tasks can become ${to}`, { id, status: done.status });
      throw new KatarError('TASK_NOT_FOUND', `task ${id} not found in queue "${queue}"`, { id });
    }
    if (!from.includes(t.status)) throw new KatarError('TASK_CONFLICT', `task ${id} is ${t.status}; only ${from.join(' or ')} tasks can become ${to}`, { id, status: t.status });
    const now = Date.now();
    let next: Task;
    if (to === 'cancelled') next = this.#finish(t, 'cancelled', now);
    else {
      next = { ...t, status: to, updatedAt: iso(now) };
      this.#putLive(next);
      if (to === 'queued') this.#ready.get(queue)!.add(next, now);
    }
    await this.store.commit();
    this.#emitStatus(next, t.status);
    return next;
  }

  /**
   * Records a status report (TP-ST `reportStatus`) for part reference `mr` of the task
   * `match` selects among recently sent ones. Returns the task when one matched.
   */
  async recordDelivery(queue: string, match: (t: Task) => boolean, mr: number, outcome: 'delivered' | 'failed' | 'pending', reportStatus: number): Promise<Task | undefined> {
    const next = await findDelivery(this.store, queue, match, mr, outcome, reportStatus);
    if (!next) return undefined;
    await this.store.commit();
    this.emit('delivery', next);
    return next;
  }

  /** Stores a received SMS once: a repeat of a known `dedupKey` returns the first entry. */
  async receive(queue: string, sms: IncomingSms): Promise<{ entry: InboxEntry; duplicate: boolean }> {
    this.settings(queue);
    const r = await storeIncoming(this.store, queue, sms);
    if (!r.duplicate) {
      await this.store.commit();
      this.emit('sms', r.entry);
    }
    return r;
  }

  /** Expires leases and validity that have run out; called by a timer and before each lease. */
  async sweep(now = Date.now()): Promise<void> {
    const changed = this.#expireLeases(now);
    for (const t of [...this.store.live.values()]) {
      if ((t.status === 'queued' || t.status === 'paused') && t.validUntil && Date.parse(t.validUntil) <= now && this.#settings[t.queue]) {
        changed.push([this.#finish({ ...t, error: 'expired: validUntil passed before it could be sent' }, 'failed', now), t.status]);
      }
    }
    if (changed.length === 0) return;
    await this.store.commit();
    for (const [t, from] of changed) this.#emitStatus(t, from);
  }

  #expireLeases(now: number): Array<[Task, TaskStatus]> {
    const changed: Array<[Task, TaskStatus]> = [];
    for (let e = this.#leases.peek(); e && e.expires <= now; e = this.#leases.peek()) {
      this.#leases.pop();
      const t = this.store.live.get(e.id);
      if (!t || t.status !== 'in progress' || !t.lease || Date.parse(t.lease.expiresAt) !== e.expires) continue;
      const settings = this.#settings[t.queue]!;
      let next: Task;
      if (t.lease.submitting) next = this.#unknownOutcome(t, now, 'lease ended while the modem was sending');
      else if (t.attempts.length >= settings.maxAttempts) next = this.#endAttempt(t, now, 'expired', `lease expired ${t.attempts.length} times without a report`, 'failed');
      else next = this.#endAttempt(t, now, 'expired', undefined, 'queued');
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
      const due = this.nextDue(queue);
      const wait = due !== undefined ? Math.min(ms, Math.max(0, due - Date.now())) : ms;
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
    return this.#ready.get(queue)?.peekPriority(Date.now(), (id) => this.store.live.get(id));
  }

  /** The next instant a scheduled or backed-off task of `queue` becomes due. */
  nextDue(queue: string): number | undefined {
    return this.#ready.get(queue)?.nextDue();
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

  /** Rebuilds the finished-task counters (after retention removed history). */
  recountHistory(): void {
    this.#historyCounts.clear();
    for (const m of this.store.history.values()) this.#countHistory(m.queue, m.status);
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

  /** Stops the sweep timer; the store is closed by its owner. */
  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
