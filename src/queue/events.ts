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
