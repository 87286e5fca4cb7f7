import { isKatarError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ModemSessionApi } from '../modem/session-types.js';
import { encodeSubmit, type SubmitPdu } from '../modem/pdu/index.js';
import type { QueueService, TaskReport } from '../queue/queue-service.js';
import type { Task } from '../queue/task.js';

/** Options of the send loop of one built-in worker. */
export interface SendLoopOptions {
  session: ModemSessionApi;
  queue: QueueService;
  queueName: string;
  /** Lease holder name, `builtin:<modem>`. */
  workerId: string;
  /** Ask the network for status reports. */
  statusReports: boolean;
  logger: Logger;
  /** Longest lease the worker takes (a 10-part message can take minutes on a slow modem). */
  leaseMs?: number;
  /** Poll the queue at least this often while idle (tasks of other workers' expired leases). */
  idlePollMs?: number;
}

/** What one task's send came to. */
type Outcome = { report: TaskReport } | { release: string };

const MODEM_NOT_READY = new Set(['MODEM_BUSY', 'NOT_REGISTERED', 'MODEM_CLOSED']);

/**
 * Drains the queue into the modem, one task at a time, with the next task already
 * leased and encoded while the current one is on the wire, so the modem never waits for
 * the gateway. The "submitting" mark (the line between "safe to retry" and "outcome
 * unknown") is made durable while the modem prepares its prompt, and the report of a
 * finished task is written while the next AT+CMGS goes out.
 */
export class SendLoop {
  readonly #o: SendLoopOptions;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #concatRef = Math.floor(Math.random() * 256);
  /** The send in flight, so that a graceful stop can wait for it. */
  #inFlight: Promise<unknown> = Promise.resolve();
  readonly #pendingReports = new Set<Promise<void>>();
  readonly #onQueued: (t: Task) => void;

  constructor(opts: SendLoopOptions) {
    this.#o = opts;
    this.#onQueued = (t) => {
      if (t.queue === opts.queueName) this.#wake?.();
    };
  }

  /** Starts draining. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#o.queue.on('queued', this.#onQueued);
    this.#loop = this.#run().catch((err: unknown) => this.#o.logger.error({ err }, 'send loop stopped by an error'));
  }

  /** Stops taking work; resolves when the send in flight (if any) has finished and been reported. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#o.queue.off('queued', this.#onQueued);
    this.#wake?.();
    await this.#loop;
    await Promise.all([...this.#pendingReports]);
  }

  async #run(): Promise<void> {
    const { session, logger } = this.#o;
    let next: Task | undefined;
    while (this.#running) {
      if (session.state !== 'ready') {
        if (next) await this.#release(next, `modem ${session.state}`);
        next = undefined;
        await this.#waitReady();
        continue;
      }
      let task = next ?? (await this.#leaseOne());
      next = undefined;
      if (task && (this.#o.queue.nextPriority(this.#o.queueName) ?? -Infinity) > task.priority) {
        // A more urgent task arrived while this one waited as the prefetched next: swap.
        await this.#release(task, 'a higher priority task arrived');
        task = await this.#leaseOne();
      }
      if (!task) {
        await this.#idle();
        continue;
      }
      let parts: SubmitPdu[];
      try {
        parts = this.#encode(task);
      } catch (err) {
        this.#report({ _id: task._id, status: 'failed', error: `cannot encode: ${(err as Error).message}` });
        continue;
      }
      const sending = this.#send(task, parts);
      this.#inFlight = sending;
      // While this task is on the wire, lease the next one (its fsync overlaps the send).
      const prefetch = this.#running ? this.#leaseOne().catch(() => undefined) : Promise.resolve(undefined);
      const outcome = await sending;
      next = await prefetch;
      if ('release' in outcome) {
        await this.#release(task, outcome.release);
        if (next) await this.#release(next, outcome.release);
        next = undefined;
        continue;
      }
      if (outcome.report.status !== 'done') logger.warn({ task: task._id, error: outcome.report.error, status: outcome.report.status }, 'send failed');
      this.#report(outcome.report);
      if (!this.#running && next) {
        await this.#release(next, 'gateway stopping');
        next = undefined;
      }
    }
    if (next) await this.#release(next, 'gateway stopping');
  }

  #encode(task: Task): SubmitPdu[] {
    const parts = encodeSubmit({ to: task.data.to, text: task.data.msg, requestStatusReport: this.#o.statusReports, concatReference: this.#concatRef });
    if (parts.length > 1) this.#concatRef = (this.#concatRef + 1) % 256;
    return parts;
  }

  /** Sends every part; never throws: the outcome says what to report. */
  async #send(task: Task, parts: SubmitPdu[]): Promise<Outcome> {
    const { session, queue, queueName, workerId } = this.#o;
    const refs: number[] = [];
    for (const [i, part] of parts.entries()) {
      const mark = i === 0 ? () => queue.markSubmitting(queueName, workerId, task._id) : () => Promise.resolve();
      try {
        const { mr } = await session.submit(part.hex, part.tpduLength, mark);
        refs.push(mr);
      } catch (err) {
        return this.#failure(task, err, i, parts.length, refs);
      }
    }
    return { report: { _id: task._id, status: 'done', references: refs, awaitingReport: this.#o.statusReports } };
  }

  /** The one retry decision: what a failed part means for the task (STYLE practice 5). */
  #failure(task: Task, err: unknown, partIndex: number, partCount: number, refs: number[]): Outcome {
    const phase = isKatarError(err) ? err.details?.phase : undefined;
    const what = isKatarError(err) ? `${err.code}: ${err.message}` : String(err);
    const partial = partCount > 1 ? ` (part ${partIndex + 1} of ${partCount})` : '';
    const withRefs = refs.length ? { references: refs, awaitingReport: this.#o.statusReports } : {};
    if (partIndex > 0) {
      // Earlier parts are out: sending the message again would duplicate them.
      return { report: { _id: task._id, status: 'unknown', error: `only ${partIndex} of ${partCount} parts sent; ${what}`, ...withRefs } };
    }
    if (isKatarError(err, 'LEASE_LOST')) return { release: 'lease lost' };
    if (phase !== 'result' && isKatarError(err) && MODEM_NOT_READY.has(err.code)) {
      // Nothing reached the modem: give the task back without counting an attempt.
      return { release: `modem not ready: ${err.code}` };
    }
    if (isKatarError(err, 'OUTCOME_UNKNOWN')) return { report: { _id: task._id, status: 'unknown', error: `${what}${partial}` } };
    return { report: { _id: task._id, status: 'failed', error: `${what}${partial}` } };
  }

  #report(r: TaskReport): void {
    const { queue, queueName, workerId, logger } = this.#o;
    const p = queue
      .report(queueName, workerId, [r])
      .catch((err: unknown) => logger.error({ err, task: r._id }, 'could not record the result of a send'))
      .finally(() => this.#pendingReports.delete(p));
    this.#pendingReports.add(p);
  }

  async #leaseOne(): Promise<Task | undefined> {
    const { queue, queueName, workerId } = this.#o;
    const leaseMs = Math.max(queue.settings(queueName).leaseMs, this.#o.leaseMs ?? 15 * 60_000);
    const [t] = await queue.lease(queueName, workerId, 1, leaseMs);
    return t;
  }

  async #release(task: Task, why: string): Promise<void> {
    const { queue, queueName, workerId, logger } = this.#o;
    await queue.release(queueName, workerId, task._id, why).catch((err: unknown) => logger.error({ err, task: task._id }, 'could not give a task back'));
  }

  /** Sleeps until a task is queued, a scheduled one falls due, or the idle poll. */
  async #idle(): Promise<void> {
    const due = this.#o.queue.nextDue(this.#o.queueName);
    const poll = this.#o.idlePollMs ?? 1000;
    const wait = due !== undefined ? Math.max(0, Math.min(poll, due - Date.now())) : poll;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, wait);
      this.#wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
    this.#wake = undefined;
  }

  async #waitReady(): Promise<void> {
    await Promise.race([this.#o.session.whenReady(), new Promise<void>((resolve) => (this.#wake = resolve))]);
    this.#wake = undefined;
  }

  /** Resolves once the send in flight, if any, has finished. */
  async drain(): Promise<void> {
    await this.#inFlight;
  }
}
