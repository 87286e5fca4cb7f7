/**
 * The changes of one transaction of the PostgreSQL queue, built from the same pure rules
 * as the file queue (attempt-rules.ts, task-events.ts): each change is written at once
 * in the transaction; what changed, the events and the wake-ups are collected, to be
 * appended before COMMIT and told (emitted, mirrored) after it.
 */
import { closedAttempt, type AttemptEnd } from '../attempt-rules.js';
import type { QueueSettings } from '../settings.js';
import { finishedEvent, type EventDraft } from '../task-events.js';
import type { Task, TaskStatus } from '../task.js';
import { eventsStatement, saveUnleased, type EventDraftAny } from './pg-rows.js';
import type { Sql } from './pg-pool.js';
import { taskNotice } from './pg-task-notice.js';

/** The queue's clocks, read once per transaction: wall time, and the tick line of durations (db-clock.ts). */
export interface Now {
  wall: number;
  tick: number;
}

/** A task as a change left it, its status before, and the tick before which it is not handed out. */
export interface PgChanged {
  task: Task;
  from: TaskStatus | null;
  readyTick: number;
}

export const iso = (ms: number): string => new Date(ms).toISOString();

export class PgBatch {
  readonly changed: PgChanged[] = [];
  readonly events: EventDraftAny[] = [];
  /** Queues whose waiting workers other boxes should wake (something became ready). */
  readonly woken = new Set<string>();
  /** The events as numbered by `flush`. */
  appended: Array<EventDraftAny & { id: number; time: string }> = [];

  constructor(
    readonly sql: Sql,
    readonly settings: ReadonlyMap<string, QueueSettings>,
    readonly now: Now,
  ) {}

  /** Records a change made by a statement of its own (a claim, a new task). */
  note(task: Task, from: TaskStatus | null, readyTick = 0): void {
    this.changed.push({ task, from, readyTick });
    if (task.status === 'queued') this.woken.add(task.queue);
  }

  /** Where the batch stands, for `rollbackTo` (a savepoint's part of the batch). */
  mark(): { changed: number; events: number; woken: string[] } {
    return { changed: this.changed.length, events: this.events.length, woken: [...this.woken] };
  }

  /** Forgets what was noted since `mark`: its statements were rolled back to a savepoint. */
  rollbackTo(m: { changed: number; events: number; woken: string[] }): void {
    this.changed.length = m.changed;
    this.events.length = m.events;
    this.woken.clear();
    for (const q of m.woken) this.woken.add(q);
  }

  event(draft: EventDraft | undefined): void {
    if (draft) this.events.push(draft);
  }

  /** Writes a task no worker holds and notes the change. */
  async save(next: Task, from: TaskStatus, readyTick = 0): Promise<Task> {
    await saveUnleased(this.sql, next, readyTick);
    this.note(next, from, readyTick);
    return next;
  }

  /** Closes the current attempt and moves the task where `end` says (as TaskChanges.endAttempt). */
  async endAttempt(t: Task, end: AttemptEnd): Promise<Task> {
    const settings = this.settings.get(t.queue)!;
    const { next, backoffMs: backoff } = closedAttempt(t, end, settings, this.now.wall);
    if (end.status !== 'queued') return this.finish(next, end.status);
    // The backoff is a duration on the tick line; notBefore is what people read.
    return this.save(next, t.status, backoff > 0 ? this.now.tick + backoff : 0);
  }

  /** Finishes the task as `status`, with its event. */
  async finish(t: Task, status: TaskStatus): Promise<Task> {
    const at = iso(this.now.wall);
    const done: Task = { ...t, status, updatedAt: at, finishedAt: at };
    delete done.lease;
    delete done.notBefore;
    await this.save(done, t.status);
    this.event(finishedEvent(done));
    return done;
  }

  /** Fails a task whose `validUntil` passed before it could be handed out (the wording of expiry.ts). */
  async failExpired(t: Task): Promise<Task> {
    const waited = t.modems?.length ? ` while it waited for ${t.modems.length === 1 ? 'modem' : 'modems'} ${t.modems.join(', ')}${t.via ? ` (via ${t.via})` : ''}` : '';
    return this.finish({ ...t, error: `expired: validUntil passed before it could be sent${waited}` }, 'failed');
  }

  /** Tasks this transaction finished, as [queue, status, how many]: other boxes add them to their counts. */
  #finishedCounts(): Array<[string, TaskStatus, number]> {
    const n = new Map<string, number>();
    for (const { task, from } of this.changed) {
      if (!task.finishedAt || (from !== null && from !== 'queued' && from !== 'paused' && from !== 'in progress')) continue;
      const key = `${task.status}\u0000${task.queue}`;
      n.set(key, (n.get(key) ?? 0) + 1);
    }
    return [...n].map(([key, count]) => {
      const [status, queue] = key.split('\u0000') as [TaskStatus, string];
      return [queue, status, count];
    });
  }

  /**
   * The end of the transaction: the notifications other boxes listen for (sent by
   * PostgreSQL on COMMIT, never for a rolled-back change), then the events, numbered
   * (pg-rows.ts: the last statement before COMMIT).
   */
  async flush(box: string): Promise<void> {
    // The changed tasks' columns let other boxes follow without reading the rows (pg-task-notice.ts).
    const notice = this.changed.length ? taskNotice(box, this.changed, [...this.woken], this.#finishedCounts()) : undefined;
    // The notification rides on the events' statement, and that statement on the COMMIT
    // (pg-pool.ts `atCommit`): the event counter's lock is held for the commit alone.
    const st = this.events.length
      ? eventsStatement(this.events, iso(this.now.wall), box, notice)
      : notice !== undefined
        ? { text: "SELECT pg_notify('katar_tasks', $1)", values: [notice], numbered: () => [] }
        : undefined;
    if (!st) return;
    if (this.sql.atCommit) this.sql.atCommit(st.text, st.values, (rows) => (this.appended = st.numbered(rows)));
    else this.appended = st.numbered(await this.sql.query(st.text, st.values));
  }
}
