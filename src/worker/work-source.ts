import type { IncomingSms, QueueService, TaskReport } from '../queue/queue-service.js';
import type { SmsData } from '../queue/task.js';

/** A task as the worker sees it: what to send, and how urgent it is. */
export interface LeasedTask {
  _id: string;
  data: SmsData;
  priority: number;
}

/**
 * Where the built-in worker takes its tasks from and reports to: the queue in this
 * process, or a katar-sms server over the katar HTTP worker protocol (remote worker
 * mode). The send loop is the same for both.
 */
export interface WorkSource {
  /** Takes one task; `wait` lets the source hold the call until work arrives (long-poll). */
  lease(wait: boolean): Promise<LeasedTask | undefined>;
  /** Durably notes that the PDU is about to be written: from here a crash means "outcome unknown". */
  markSubmitting(id: string): Promise<void>;
  /** Records the outcome of a task (durably; delivery to a remote server may follow later). */
  report(r: TaskReport): Promise<void>;
  /** Gives a task back: nothing reached the modem. */
  release(id: string, why: string): Promise<void>;
  /** Priority of the task a lease would return now, when the source can tell. */
  nextPriority(): number | undefined;
  /** Resolves when work may be available, after `ms`, or on abort. */
  waitForWork(ms: number, signal: AbortSignal): Promise<void>;
}

/** Where received SMS and status reports go. */
export interface InboxSink {
  /** Stores a received SMS durably (once per dedupKey); resolves when it is safe to delete it from the modem. */
  receive(sms: IncomingSms): Promise<{ duplicate: boolean }>;
  /** A status report for part reference `mr` sent to `recipient`; false when no task matched. */
  delivery(mr: number, recipient: string, outcome: 'delivered' | 'failed' | 'pending', status: number): Promise<boolean>;
}

/** Same subscriber whatever the number format: compare the last 9 digits. */
export function sameNumber(a: string, b: string): boolean {
  const tail = (s: string): string => s.replace(/\D/g, '').slice(-9);
  return tail(a) !== '' && tail(a) === tail(b);
}

/** The in-process queue as a work source and inbox, for the built-in worker of `serve`. */
export class LocalQueue implements WorkSource, InboxSink {
  constructor(
    readonly queue: QueueService,
    readonly queueName: string,
    readonly workerId: string,
    /** Longest lease the worker takes (a 10-part message can take minutes on a slow modem). */
    readonly leaseMs = 15 * 60_000,
  ) {}

  async lease(): Promise<LeasedTask | undefined> {
    const ms = Math.max(this.queue.settings(this.queueName).leaseMs, this.leaseMs);
    const [t] = await this.queue.lease(this.queueName, this.workerId, 1, ms);
    return t;
  }

  markSubmitting(id: string): Promise<void> {
    return this.queue.markSubmitting(this.queueName, this.workerId, id);
  }

  report(r: TaskReport): Promise<void> {
    return this.queue.report(this.queueName, this.workerId, [r]);
  }

  release(id: string, why: string): Promise<void> {
    return this.queue.release(this.queueName, this.workerId, id, why);
  }

  nextPriority(): number | undefined {
    return this.queue.nextPriority(this.queueName);
  }

  waitForWork(ms: number, signal: AbortSignal): Promise<void> {
    return this.queue.waitForWork(this.queueName, ms, signal);
  }

  async receive(sms: IncomingSms): Promise<{ duplicate: boolean }> {
    const { duplicate } = await this.queue.receive(this.queueName, sms);
    return { duplicate };
  }

  async delivery(mr: number, recipient: string, outcome: 'delivered' | 'failed' | 'pending', status: number): Promise<boolean> {
    const t = await this.queue.recordDelivery(this.queueName, (task) => task.delivery !== undefined && task.delivery.references.includes(mr) && sameNumber(task.data.to, recipient), mr, outcome, status);
    return t !== undefined;
  }
}
