import type { Clock, Instant } from '../clock.js';
import { LeaseBook } from './lease-book.js';
import { ReadyIndex } from './ready-index.js';
import type { QueueSettings } from './settings.js';
import type { FileStore } from './store/file-store.js';
import { TaskOrderIndex } from './task-order-index.js';
import type { Task, TaskStatus } from './task.js';

/** The idempotency map's key: a queue name and an idempotency key. */
const keyOf = (queue: string, key: string): string => `${queue}\u0000${key}`;

/**
 * What the queue keeps in memory beside the store, all of it rebuilt from the store: the
 * ready tasks of each configured queue, the leases, the idempotency keys, the counters
 * of finished tasks and the listing order.
 */
export class QueueIndexes {
  readonly #store: FileStore;
  readonly #settings: ReadonlyMap<string, QueueSettings>;
  readonly #ready = new Map<string, ReadyIndex>();
  /** When each lease ends, on the monotonic clock. */
  readonly leases: LeaseBook;
  /** `${queue}\u0000${key}` -> task id, over live tasks and history. */
  readonly #idempotency = new Map<string, string>();
  readonly #historyCounts = new Map<string, Map<TaskStatus, number>>();
  /** Every task of every queue in seq order, for paged listings (src/queue/queries.ts). */
  readonly taskOrder: TaskOrderIndex;

  constructor(store: FileStore, settings: ReadonlyMap<string, QueueSettings>, clock: Clock) {
    this.#store = store;
    this.#settings = settings;
    this.taskOrder = new TaskOrderIndex(store);
    this.leases = new LeaseBook(clock);
    for (const q of settings.keys()) this.#ready.set(q, new ReadyIndex());
  }

  /** The queued tasks of `queue` in hand-out order; undefined for a queue not configured. */
  ready(queue: string): ReadyIndex | undefined {
    return this.#ready.get(queue);
  }

  /** The task added to `queue` with idempotency key `key`, live or finished. */
  taskWithKey(queue: string, key: string | undefined): string | undefined {
    return key === undefined ? undefined : this.#idempotency.get(keyOf(queue, key));
  }

  /** Notes that task `id` was added to `queue` with idempotency key `key`. */
  rememberKey(queue: string, key: string, id: string): void {
    this.#idempotency.set(keyOf(queue, key), id);
  }

  /** Finished tasks of `queue` per status. */
  finishedCounts(queue: string): Iterable<[TaskStatus, number]> {
    return this.#historyCounts.get(queue) ?? [];
  }

  /** Counts a task of `queue` that just finished as `status`. */
  countFinished(queue: string, status: TaskStatus): void {
    let m = this.#historyCounts.get(queue);
    if (!m) this.#historyCounts.set(queue, (m = new Map()));
    m.set(status, (m.get(status) ?? 0) + 1);
  }

  /**
   * Rebuilds every index from the store's tasks: at start, and whenever the store
   * reloads after a failed write. Durations restart from now: a lease held by a remote
   * worker gets its full length again (the process cannot know how much of it passed
   * while it was down or how the clock moved), a backoff keeps what is left of it,
   * capped at the queue's longest backoff.
   */
  rebuild(now: Instant): void {
    for (const q of this.#settings.keys()) this.#ready.set(q, new ReadyIndex());
    this.leases.clear();
    this.#idempotency.clear();
    this.recountHistory();
    for (const t of this.#store.live.values()) {
      const settings = this.#settings.get(t.queue);
      if (!settings) continue; // a queue removed from the config: kept, untouched
      if (t.idempotencyKey !== undefined) this.rememberKey(t.queue, t.idempotencyKey, t._id);
      if (t.status === 'queued') {
        const left = t.notBefore ? Math.min(Date.parse(t.notBefore) - now.wall, settings.retry.maxDelayMs) : 0;
        this.#ready.get(t.queue)!.add(t, now, left > 0 ? now.mono + left : undefined);
      }
      if (t.status === 'in progress' && t.lease) this.leases.arm(t._id, leaseLength(t, settings));
    }
  }

  /** Rebuilds the finished-task counters and the listing index from history (after retention, at start, after a reload). */
  recountHistory(): void {
    this.#historyCounts.clear();
    this.taskOrder.rebuild();
    for (const m of this.#store.history.values()) {
      if (m.idempotencyKey !== undefined) this.rememberKey(m.queue, m.idempotencyKey, m._id);
      this.countFinished(m.queue, m.status);
    }
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
