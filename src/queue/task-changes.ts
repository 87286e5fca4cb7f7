import { instant, type Clock, type Instant } from '../clock.js';
import { closedAttempt, type AttemptEnd } from './attempt-rules.js';
import type { QueueIndexes } from './queue-indexes.js';
import type { QueueSettings } from './settings.js';
import type { FileStore } from './store/file-store.js';
import { finishedEvent, queuedEvent, type EventDraft } from './task-events.js';
import type { Task, TaskStatus } from './task.js';

/** A timestamp as tasks carry it. */
export const iso = (ms: number): string => new Date(ms).toISOString();

/** A task as a change left it, and its status before. */
export type Changed = [task: Task, from: TaskStatus];

/**
 * The changes of one task that the queue's operations are made of: each is recorded in
 * the store (durable at its next commit) and mirrored in the indexes. None of them checks
 * that the store can write; the operation does, before it changes anything.
 */
export class TaskChanges {
  readonly store: FileStore;
  readonly indexes: QueueIndexes;
  /** The settings of each configured queue. */
  readonly settings: ReadonlyMap<string, QueueSettings>;
  readonly #clock: Clock;

  constructor(store: FileStore, indexes: QueueIndexes, settings: ReadonlyMap<string, QueueSettings>, clock: Clock) {
    this.store = store;
    this.indexes = indexes;
    this.settings = settings;
    this.#clock = clock;
  }

  /** Both clocks, read at once. */
  now(): Instant {
    return instant(this.#clock);
  }

  /** The new state of a live task. */
  put(t: Task): void {
    this.store.live.set(t._id, t);
    this.store.putLive(t);
  }

  /** Closes the current attempt and moves the task where `end` says. */
  endAttempt(t: Task, now: Instant, end: AttemptEnd): Task {
    const settings = this.settings.get(t.queue)!;
    this.indexes.leases.disarm(t._id);
    const { next, backoffMs: backoff } = closedAttempt(t, end, settings, now.wall);
    if (end.status !== 'queued') return this.finish(next, end.status, now);
    // The backoff is a duration on the monotonic clock; notBefore is what people read.
    this.put(next);
    this.indexes.ready(t.queue)!.add(next, now, backoff > 0 ? now.mono + backoff : undefined);
    return next;
  }

  /** Moves the task to history as `status`. */
  finish(t: Task, status: TaskStatus, now: Instant): Task {
    const done: Task = { ...t, status, updatedAt: iso(now.wall), finishedAt: iso(now.wall) };
    delete done.lease;
    delete done.notBefore;
    this.indexes.leases.disarm(done._id);
    this.indexes.ready(done.queue)?.forget(done._id);
    this.store.live.delete(done._id);
    this.store.finish(done);
    this.indexes.countFinished(done.queue, status);
    this.event(finishedEvent(done), now);
    return done;
  }

  /** A new task: put, with its `sms.queued` event. */
  created(t: Task, now: Instant): void {
    this.put(t);
    this.event(queuedEvent(t), now);
  }

  /** Appends the event of a change, in the same durable write as the change. */
  event(draft: EventDraft | undefined, now: Instant): void {
    if (draft) this.store.addEvent(draft.type, draft.data, draft.queue, iso(now.wall));
  }

  /** A finished task, read back from history. */
  async readFinished(id: string): Promise<Task | undefined> {
    const meta = this.store.history.get(id);
    return meta ? this.store.readHistory(meta) : undefined;
  }
}
