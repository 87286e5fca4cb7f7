import type { EventEmitter } from 'node:events';
import type { InboxEntry, SmsData, Task, TaskStatus } from './task.js';

/** Events of the queue, as the original katar-sms library emitted them, typed. */
export interface QueueEvents {
  /** An SMS was sent (its task is done). */
  sent: [sms: SmsData & { _id: string; queue: string }];
  /** An SMS was received (from a remote worker or the modem). */
  sms: [sms: InboxEntry];
  /** Any status change, with the status before. */
  status: [task: Task, from: TaskStatus | null];
  queued: [task: Task];
  paused: [task: Task];
  'in progress': [task: Task];
  done: [task: Task];
  failed: [task: Task];
  cancelled: [task: Task];
  /** A background sweep failed (the store could not write). */
  error: [err: Error];
  /** A status report arrived for a sent task. */
  delivery: [task: Task];
}

/** Tells of a durable status change (`from` null: a new task): `status`, the status's own event, and `sent` for a done task. */
export function emitStatus(events: EventEmitter<QueueEvents>, t: Task, from: TaskStatus | null): void {
  if (from === t.status) return;
  events.emit('status', t, from);
  events.emit(t.status, t);
  if (t.status === 'done') events.emit('sent', { _id: t._id, queue: t.queue, to: t.data.to, msg: t.data.msg });
}

/**
 * Resolves when a task of `queue` is queued, after `ms`, or when `signal` aborts,
 * whichever comes first: the long poll of a worker.
 */
export function waitForQueued(events: EventEmitter<QueueEvents>, queue: string, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      events.off('queued', onQueued);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const onQueued = (t: Task): void => {
      if (t.queue === queue) done();
    };
    const timer = setTimeout(done, ms);
    events.on('queued', onQueued);
    signal?.addEventListener('abort', done);
  });
}
