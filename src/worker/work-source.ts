import { isKatarError, KatarError, type ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import type { IncomingSms, TaskReport } from '../queue/queue-types.js';
import type { SmsQueue } from '../queue/sms-queue.js';
import type { LeaseAccept } from '../queue/lease-filter.js';
import type { PartSentIn, StatusReportIn } from '../queue/delivery-book.js';
import type { SmsData } from '../queue/task.js';
import { DeliveryBacklog } from './delivery-backlog.js';

/** A task as the worker sees it: what to send, and how urgent it is. */
export interface LeasedTask {
  _id: string;
  data: SmsData;
  priority: number;
  /** The number of this hand-out (the fencing token its report carries), when the source tells it. */
  attempt?: number;
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
  /** Where each sent part is recorded for status reports, when the source tracks them. */
  readonly deliveries?: SendRecorder;
}

/**
 * Status-report bookkeeping of the sends: the in-process queue records each part as the
 * modem takes it (docs/DELIVERY.md); remote worker mode has none (reports are not relayed).
 */
export interface SendRecorder {
  /** A part is about to be written to `modem`: its status reports wait until the send is recorded. */
  sending(modem: string): void;
  /** The modem answered `+CMGS: <mr>` for a part. */
  sent(part: PartSentIn): Promise<void>;
  /** The send announced by `sending` is over, recorded or failed. */
  ended(modem: string): void;
}

/** Where received SMS and status reports go. */
export interface InboxSink {
  /** Stores a received SMS durably (once per dedupKey); resolves when it is safe to delete it from the modem. */
  receive(sms: IncomingSms): Promise<{ duplicate: boolean }>;
  /** A status report; true when it was taken (matched, or held until its send is recorded), false when reports are not tracked here. */
  delivery(report: StatusReportIn): Promise<boolean>;
}

export { sameNumber } from '../queue/delivery-index.js';

/** Answers to a report that no retry changes: the queue has judged it. */
export const REPORT_REFUSALS: ErrorCode[] = ['LEASE_LOST', 'TASK_CONFLICT', 'TASK_NOT_FOUND', 'VALIDATION', 'QUEUE_NOT_FOUND'];

/** The in-process queue as a work source and inbox, for the built-in worker of `serve`. */
export class LocalQueue implements WorkSource, InboxSink {
  readonly deliveries: SendRecorder;
  /** Part references and status reports the store could not take yet, in order (delivery-backlog.ts). */
  readonly backlog: DeliveryBacklog;
  /** The attempt each held task was handed out with: its reports carry it as the fencing token. */
  readonly #held = new Map<string, number>();

  constructor(
    readonly queue: SmsQueue,
    readonly queueName: string,
    readonly workerId: string,
    /** Longest lease the worker takes (a 10-part message can take minutes on a slow modem). */
    readonly leaseMs = 15 * 60_000,
    /** Which tasks this worker may take: its modem's name, for tasks routed to it (lease-filter.ts). */
    readonly accept?: LeaseAccept,
    logger?: Logger,
  ) {
    const book = queue.deliveries;
    this.backlog = new DeliveryBacklog({ ...(logger && { logger }) });
    this.deliveries = {
      sending: (modem) => book.sending(modem),
      sent: (part) => this.backlog.submit(`the reference ${part.reference} of a part sent on ${part.modem}`, () => book.sent(queueName, part)),
      ended: (modem) => book.ended(modem),
    };
    // Reads the parts sent before a restart while the modem initialises.
    void book.load();
  }

  async lease(): Promise<LeasedTask | undefined> {
    const ms = Math.max(this.queue.settings(this.queueName).leaseMs, this.leaseMs);
    const [t] = await this.queue.lease(this.queueName, this.workerId, 1, ms, this.accept);
    if (!t) return undefined;
    const attempt = t.attempts[t.attempts.length - 1]?.n;
    if (attempt !== undefined) this.#held.set(t._id, attempt);
    return { _id: t._id, data: t.data, priority: t.priority, ...(attempt !== undefined && { attempt }) };
  }

  markSubmitting(id: string): Promise<void> {
    return this.queue.markSubmitting(this.queueName, this.workerId, id);
  }

  async report(r: TaskReport): Promise<void> {
    // A finished task takes no part record: the references kept for the store go in first.
    if (this.backlog.size > 0) await this.backlog.flush();
    if (this.backlog.size > 0) throw new KatarError('STORE_UNAVAILABLE', 'the store cannot write: the references of sent parts wait to be recorded before the outcome', { retryAfterSeconds: 1 });
    const attempt = r.attempt ?? this.#held.get(r._id);
    try {
      await this.queue.report(this.queueName, this.workerId, [attempt !== undefined ? { ...r, attempt } : r]);
    } catch (err) {
      // Refused for good (not a store that cannot write now): nobody reports this hand-out again.
      if (isKatarError(err, ...REPORT_REFUSALS)) this.#held.delete(r._id);
      throw err;
    }
    this.#held.delete(r._id);
  }

  async release(id: string, why: string): Promise<void> {
    await this.queue.release(this.queueName, this.workerId, id, why);
    this.#held.delete(id);
  }

  nextPriority(): number | undefined {
    return this.queue.nextPriority(this.queueName, this.accept);
  }

  waitForWork(ms: number, signal: AbortSignal): Promise<void> {
    return this.queue.waitForWork(this.queueName, ms, signal, this.accept);
  }

  async receive(sms: IncomingSms): Promise<{ duplicate: boolean }> {
    const { duplicate } = await this.queue.receive(this.queueName, sms);
    return { duplicate };
  }

  async delivery(report: StatusReportIn): Promise<boolean> {
    await this.backlog.submit(`a status report for reference ${report.reference} on ${report.modem}`, () => this.queue.deliveries.report(this.queueName, report));
    return true;
  }
}
