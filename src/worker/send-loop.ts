import { isKatarError, STORE_DOWN } from '../errors.js';
import type { Logger } from '../log.js';
import { errorText } from '../modem/error-text.js';
import type { ModemSessionApi } from '../modem/session/types.js';
import { encodeSubmit, type SubmitPdu } from '../modem/pdu/index.js';
import type { TaskReport } from '../queue/file-queue.js';
import { ModemInDoubt, NotStartedCount, NOT_STARTED_RELEASES } from './modem-in-doubt.js';
import { modemKey } from './modem-key.js';
import { pauseText, type PacingGate, type PacingPause } from './pacing.js';
import { RetryingReports } from './retrying-reports.js';
import type { LeasedTask, WorkSource } from './work-source.js';
import { pause } from './pause.js';

/** Options of the send loop of one built-in worker. */
export interface SendLoopOptions {
  session: ModemSessionApi;
  source: WorkSource;
  /** Ask the network for status reports. */
  statusReports: boolean;
  logger: Logger;
  /** Poll the source at least this often while idle (tasks of other workers' expired leases). */
  idlePollMs?: number;
  /** Backoff between tries to record an outcome (or take a task) the store refused; default 1 s doubling to 10 s. */
  retry?: { initialMs: number; maxMs: number };
  /**
   * How long `stop()` keeps trying to record outcomes before it gives up loudly; default
   * 10 s, so that SIGTERM on a full disk still ends promptly. What was not recorded is
   * failed as "outcome unknown" at the next start, never sent again.
   */
  stopRecordMs?: number;
  /** The modem's pacing, caps and sending hours (pacing.ts); absent: as fast as the modem goes. */
  pacing?: PacingGate;
  /** Told each time the modem is paused by a cap or its sending hours, and when it may send again (undefined). */
  onPause?: (pause: PacingPause | undefined) => void;
}

/** What one task's send came to. */
type Outcome = { report: TaskReport } | { release: string };

const MODEM_NOT_READY = new Set(['MODEM_BUSY', 'NOT_REGISTERED', 'MODEM_CLOSED']);
/**
 * Why AT+CMGS=<n> ended before its PDU without the modem refusing it (command-machine.ts):
 * no prompt in time, OK instead of `>`, a modem reset, a failed write. A refusal (ERROR,
 * +CMS ERROR) is the modem's answer about this message and stays a failed attempt.
 */
const NO_PROMPT = new Set(['timeout', 'no-prompt', 'modem-reset', 'write-failed']);

/**
 * Drains the queue into the modem, one task at a time, with the next task already
 * leased and encoded while the current one is on the wire, so the modem never waits for
 * the gateway. The "submitting" mark (the line between "safe to retry" and "outcome
 * unknown") is made durable while the modem prepares its prompt, and the report of a
 * finished task is written while the next AT+CMGS goes out. An outcome the store refuses
 * is retried until it is recorded (retrying-reports.ts), and no new task is taken
 * meanwhile: a full disk pauses sending instead of losing what was sent.
 *
 * With pacing, no task is taken (nor prefetched) while the gate says wait, so a capped
 * modem, or one outside its sending hours, holds nothing that another modem could send;
 * a task leased that the gate then refuses (more parts than the cap has left) goes back
 * at once.
 *
 * A send that fails before its PDU was written (no prompt: the modem may hang while the
 * session still says `ready`) gives the task back uncounted, at once, for another modem,
 * and this modem takes nothing until it answers again (modem-in-doubt.ts); so does any
 * command timeout of the session.
 */
export class SendLoop {
  readonly #o: SendLoopOptions;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #stopSignal = new AbortController();
  #concatRef = Math.floor(Math.random() * 256);
  readonly #reports: RetryingReports;
  /** While the store refuses leases: not before this (monotonic ms), and the next backoff. */
  #leaseRetryAt = 0;
  #leaseDelayMs = 0;
  #pause: PacingPause | undefined;
  readonly #doubt: ModemInDoubt;
  readonly #notStarted = new NotStartedCount();

  constructor(opts: SendLoopOptions) {
    this.#o = opts;
    this.#doubt = new ModemInDoubt(opts.session, opts.logger);
    this.#reports = new RetryingReports({ source: opts.source, logger: opts.logger, retry: opts.retry ?? { initialMs: 1_000, maxMs: 10_000 } });
  }

  /** Starts draining. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#reports.deadline(Infinity);
    this.#stopSignal = new AbortController();
    this.#loop = this.#run().catch((err: unknown) => this.#o.logger.error({ err }, 'send loop stopped by an error'));
  }

  /**
   * Stops taking work; resolves when the send in flight (if any) has finished and its
   * outcome is recorded, or after `stopRecordMs` of refusals (then logged as an error).
   */
  async stop(): Promise<void> {
    this.#running = false;
    this.#reports.deadline(performance.now() + (this.#o.stopRecordMs ?? 10_000));
    this.#stopSignal.abort();
    this.#wake?.();
    await this.#loop;
    await this.#reports.settled();
  }

  /** Outcomes not recorded yet because the store refused them. */
  get unrecorded(): number {
    return this.#reports.retrying;
  }

  async #run(): Promise<void> {
    const { session, logger } = this.#o;
    let next: LeasedTask | undefined;
    while (this.#running) {
      if (session.state !== 'ready') {
        if (next) await this.#release(next, `modem ${session.state}`);
        next = undefined;
        await this.#waitReady();
        // Ready again after a reconnect or a re-init: the modem answered its init.
        this.#doubt.readyAgain();
        continue;
      }
      const doubt = this.#doubt.reason;
      if (doubt !== undefined) {
        // Hold nothing while the modem may not answer: another modem can send it.
        if (next) await this.#release(next, `modem ${session.name} in doubt: ${doubt}`);
        next = undefined;
        await this.#doubt.probe(this.#stopSignal.signal);
        continue;
      }
      if (!next) {
        // No new task while an outcome waits to be recorded (the store may be refusing writes).
        await this.#storeBack();
        if (!this.#running) break;
        if (!(await this.#paced())) continue;
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
        this.#report({ _id: task._id, status: 'failed', error: `cannot encode: ${errorText(err)}` });
        continue;
      }
      if (!(await this.#pacedStart(task, parts.length))) continue;
      const sending = this.#send(task, parts);
      // While this task is on the wire, lease the next one (its fsync overlaps the send).
      const prefetch = this.#running ? this.#prefetch() : Promise.resolve(undefined);
      const outcome = await sending;
      next = await prefetch;
      if ('release' in outcome) {
        this.#o.pacing?.notStarted(parts.length);
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

  /**
   * Sends every part; never throws: the outcome says what to report. Each part's
   * reference is recorded the moment the modem gives it, so that its status report,
   * which may come within milliseconds, finds the task (docs/DELIVERY.md).
   */
  async #send(task: LeasedTask, parts: SubmitPdu[]): Promise<Outcome> {
    const { session, source, logger } = this.#o;
    const book = this.#o.statusReports ? source.deliveries : undefined;
    const refs: number[] = [];
    for (const [i, part] of parts.entries()) {
      const mark = i === 0 ? () => source.markSubmitting(task._id) : () => Promise.resolve();
      const modem = modemKey(session.name, session.identity);
      book?.sending(modem);
      try {
        let mr: number;
        try {
          ({ mr } = await session.submit(part.hex, part.tpduLength, mark));
        } catch (err) {
          return this.#failure(task, err, i, parts.length, refs);
        }
        refs.push(mr);
        await book?.sent({ taskId: task._id, index: i, modem, reference: mr, recipient: task.data.to }).catch((err: unknown) => logger.warn({ err, task: task._id }, 'could not note the reference of a sent part; its status report will not match'));
      } finally {
        book?.ended(modem);
      }
    }
    return { report: { _id: task._id, status: 'done', references: refs, awaitingReport: this.#o.statusReports } };
  }

  /**
   * The one retry decision: what a failed part means for the task. A PDU the modem may
   * have taken is never sent again (docs/hardware.md#sending-atcmgs-in-pdu-mode).
   */
  #failure(task: LeasedTask, err: unknown, partIndex: number, partCount: number, refs: number[]): Outcome {
    const phase = isKatarError(err) ? err.details?.phase : undefined;
    const what = isKatarError(err) ? `${err.code}: ${err.message}` : String(err);
    const partial = partCount > 1 ? ` (part ${partIndex + 1} of ${partCount})` : '';
    const withRefs = refs.length ? { references: refs, awaitingReport: this.#o.statusReports } : {};
    // A timeout, before or after the PDU, leaves the modem in doubt: no task until it answers.
    if (isKatarError(err) && err.details?.reason === 'timeout') this.#doubt.doubt(what);
    if (partIndex > 0) {
      // Earlier parts are out: sending the message again would duplicate them.
      return { report: { _id: task._id, status: 'unknown', error: `only ${partIndex} of ${partCount} parts sent; ${what}`, ...withRefs } };
    }
    if (isKatarError(err, 'LEASE_LOST')) return { release: 'lease lost' };
    if (phase !== 'result' && isKatarError(err, ...STORE_DOWN)) {
      // The "submitting" mark could not be written, so the PDU never went out.
      this.#storeRefused();
      return { release: `not sent: ${err.code}` };
    }
    if (phase !== 'result' && isKatarError(err) && MODEM_NOT_READY.has(err.code)) {
      // Nothing reached the modem: give the task back without counting an attempt.
      return { release: `modem not ready: ${err.code}` };
    }
    if (phase === 'prompt' && isKatarError(err, 'MODEM_TIMEOUT', 'MODEM_ERROR') && NO_PROMPT.has(String(err.details?.reason))) {
      // The PDU was never written, so the SMS did not go out, and the modem is in doubt.
      this.#doubt.doubt(what);
      if (this.#notStarted.giveBack(task._id)) {
        this.#o.logger.warn({ task: task._id, error: what }, 'not sent (no prompt): the task goes back for another modem');
        return { release: `not started: ${what}` };
      }
      return { report: { _id: task._id, status: 'failed', error: `${what} (not started ${NOT_STARTED_RELEASES + 1} times on this modem)` } };
    }
    if (isKatarError(err, 'OUTCOME_UNKNOWN')) return { report: { _id: task._id, status: 'unknown', error: `${what}${partial}` } };
    return { report: { _id: task._id, status: 'failed', error: `${what}${partial}` } };
  }

  #report(r: TaskReport): void {
    this.#notStarted.forget(r._id);
    this.#reports.add(r);
  }

  async #leaseOne(wait: boolean): Promise<LeasedTask | undefined> {
    try {
      const t = await this.#o.source.lease(wait && this.#running);
      this.#leaseDelayMs = 0;
      return t;
    } catch (err) {
      if (isKatarError(err, ...STORE_DOWN)) {
        this.#o.logger.warn({ code: err.code }, 'the store refuses to hand out tasks; sending paused until it writes again');
        this.#storeRefused();
      } else {
        this.#o.logger.warn({ err }, 'could not take a task');
        // Any other refusal backs off too: a task may be ready, so the idle wait would not.
        this.#storeRefused();
      }
      return undefined;
    }
  }

  /**
   * The next task, leased while this one is on the wire, once the previous outcome is
   * recorded: its write normally takes one fsync, far less than a send, and while the
   * store refuses it no new task is taken.
   */
  async #prefetch(): Promise<LeasedTask | undefined> {
    await this.#reports.settled();
    if (!this.#running || performance.now() < this.#leaseRetryAt || this.#doubt.reason !== undefined) return undefined;
    // A task leased now would wait out the interval (or the cap) here, where another modem could send it.
    if (this.#o.pacing && !this.#o.pacing.check(1).go) return undefined;
    return this.#leaseOne(false);
  }

  /**
   * Waits while the pacing gate says so (a stop ends the wait); false when it waited, so
   * that the loop looks at the modem again before it takes a task.
   */
  async #paced(): Promise<boolean> {
    const gate = this.#o.pacing;
    if (!gate) return true;
    const v = gate.check(1);
    this.#setPause(v.go ? undefined : v.pause);
    if (v.go) return true;
    // Re-checked at least every minute: the wall clock may step (NTP) while it waits.
    await pause(Math.min(v.waitMs, 60_000), this.#stopSignal.signal);
    return false;
  }

  /**
   * The gate's word on this task (its part count may pass a cap the single-part check
   * did not), then the send counted durably: false when the task went back instead.
   */
  async #pacedStart(task: LeasedTask, parts: number): Promise<boolean> {
    const gate = this.#o.pacing;
    if (!gate) return true;
    const v = gate.check(parts);
    if (!v.go) {
      this.#setPause(v.pause);
      await this.#release(task, v.pause ? `modem ${this.#o.session.name} ${pauseText(v.pause)}` : 'pacing: the next send must wait');
      return false;
    }
    try {
      await gate.starting(parts);
      return true;
    } catch (err) {
      this.#o.logger.warn({ err }, 'could not record the send counters; the task goes back and sending waits');
      this.#storeRefused();
      await this.#release(task, 'the send counters could not be written');
      return false;
    }
  }

  #setPause(p: PacingPause | undefined): void {
    const same = p?.reason === this.#pause?.reason && p?.until === this.#pause?.until;
    this.#pause = p;
    if (same) return;
    if (p) this.#o.logger.info({ until: new Date(p.until).toISOString(), reason: p.reason }, pauseText(p));
    else this.#o.logger.info('sending again after a pause');
    this.#o.onPause?.(p);
  }

  /** The store refused a write: leases wait, with a backoff of their own. */
  #storeRefused(): void {
    const { initialMs, maxMs } = this.#o.retry ?? { initialMs: 1_000, maxMs: 10_000 };
    this.#leaseDelayMs = this.#leaseDelayMs === 0 ? initialMs : Math.min(maxMs, this.#leaseDelayMs * 2);
    this.#leaseRetryAt = performance.now() + this.#leaseDelayMs;
  }

  /** Waits for the outcomes being recorded and the lease backoff to pass; a stop ends the wait. */
  async #storeBack(): Promise<void> {
    const wait = Math.max(0, this.#leaseRetryAt - performance.now());
    if (this.#reports.pending === 0 && wait === 0) return;
    const signal = this.#stopSignal.signal;
    if (signal.aborted) return;
    let onAbort = (): void => undefined;
    const aborted = new Promise<void>((resolve) => (onAbort = resolve));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await Promise.race([Promise.all([this.#reports.settled(), wait > 0 ? pause(wait, signal) : undefined]), aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Gives a task back. While the store cannot write this is tried again with backoff (it
   * holds the loop, which could take nothing anyway): a task not given back stays leased
   * to this worker, and so unsent, until its lease runs out, minutes later. When stopping,
   * one try: the next start gives back this worker's leases.
   */
  async #release(task: LeasedTask, why: string): Promise<void> {
    const { initialMs, maxMs } = this.#o.retry ?? { initialMs: 1_000, maxMs: 10_000 };
    for (let delay = initialMs; ; delay = Math.min(maxMs, delay * 2)) {
      try {
        await this.#o.source.release(task._id, why);
        return;
      } catch (err) {
        if (!this.#running || !isKatarError(err, ...STORE_DOWN)) {
          this.#o.logger.error({ err, task: task._id }, 'could not give a task back');
          return;
        }
        this.#o.logger.warn({ code: err.code, task: task._id, retryInMs: delay }, 'could not give a task back; trying again');
        await pause(delay, this.#stopSignal.signal);
      }
    }
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
