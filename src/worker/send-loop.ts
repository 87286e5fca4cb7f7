import { isKatarError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ModemSessionApi } from '../modem/session-types.js';
import { encodeSubmit, type SubmitPdu } from '../modem/pdu/index.js';
import type { TaskReport } from '../queue/queue-service.js';
import type { LeasedTask, WorkSource } from './work-source.js';

/** Options of the send loop of one built-in worker. */
export interface SendLoopOptions {
  session: ModemSessionApi;
  source: WorkSource;
  /** Ask the network for status reports. */
  statusReports: boolean;
  logger: Logger;
  /** Poll the source at least this often while idle (tasks of other workers' expired leases). */
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
  #stopSignal = new AbortController();
  #concatRef = Math.floor(Math.random() * 256);
  readonly #pendingReports = new Set<Promise<void>>();

  constructor(opts: SendLoopOptions) {
    this.#o = opts;
  }

  /** Starts draining. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#stopSignal = new AbortController();
    this.#loop = this.#run().catch((err: unknown) => this.#o.logger.error({ err }, 'send loop stopped by an error'));
  }

  /** Stops taking work; resolves when the send in flight (if any) has finished and been reported. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#stopSignal.abort();
    this.#wake?.();
    await this.#loop;
    await Promise.all([...this.#pendingReports]);
  }

  async #run(): Promise<void> {
    const { session, logger } = this.#o;
    let next: LeasedTask | undefined;
    while (this.#running) {
      if (session.state !== 'ready') {
        if (next) await this.#release(next, `modem ${session.state}`);
        next = undefined;
        await this.#waitReady();
        continue;
      }
      let task = next ?? (await this.#leaseOne(true));
      next = undefined;
      if (task && (this.#o.source.nextPriority() ?? -Infinity) > task.priority) {
        // A more urgent task arrived while this one waited as the prefetched next: swap.
        await this.#release(task, 'a higher priority task arrived');
        task = await this.#leaseOne(false);
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
      // While this task is on the wire, lease the next one (its fsync overlaps the send).
      const prefetch = this.#running ? this.#leaseOne(false) : Promise.resolve(undefined);
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

  #encode(task: LeasedTask): SubmitPdu[] {
    const parts = encodeSubmit({ to: task.data.to, text: task.data.msg, requestStatusReport: this.#o.statusReports, concatReference: this.#concatRef });
    if (parts.length > 1) this.#concatRef = (this.#concatRef + 1) % 256;
    return parts;
  }

  /** Sends every part; never throws: the outcome says what to report. */
  async #send(task: LeasedTask, parts: SubmitPdu[]): Promise<Outcome> {
    const { session, source } = this.#o;
    const refs: number[] = [];
    for (const [i, part] of parts.entries()) {
      const mark = i === 0 ? () => source.markSubmitting(task._id) : () => Promise.resolve();
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
  #failure(task: LeasedTask, err: unknown, partIndex: number, partCount: number, refs: number[]): Outcome {
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
    const { source, logger } = this.#o;
    const p = source
      .report(r)
      .catch((err: unknown) => logger.error({ err, task: r._id }, 'could not record the result of a send'))
      .finally(() => this.#pendingReports.delete(p));
    this.#pendingReports.add(p);
  }

  async #leaseOne(wait: boolean): Promise<LeasedTask | undefined> {
    try {
      return await this.#o.source.lease(wait && this.#running);
    } catch (err) {
      this.#o.logger.warn({ err }, 'could not take a task');
      return undefined;
    }
  }

  async #release(task: LeasedTask, why: string): Promise<void> {
    await this.#o.source.release(task._id, why).catch((err: unknown) => this.#o.logger.error({ err, task: task._id }, 'could not give a task back'));
  }

  /** Sleeps until work may be there, or the idle poll; a stop wakes it. */
  async #idle(): Promise<void> {
    await this.#o.source.waitForWork(this.#o.idlePollMs ?? 1000, this.#stopSignal.signal);
  }

  async #waitReady(): Promise<void> {
    await Promise.race([this.#o.session.whenReady(), new Promise<void>((resolve) => (this.#wake = resolve))]);
    this.#wake = undefined;
  }
}
