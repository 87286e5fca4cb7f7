import { isKatarError } from '../errors.js';
import type { Logger } from '../log.js';
import type { TaskReport } from '../queue/file-queue.js';
import { REPORT_REFUSALS, type WorkSource } from './work-source.js';

/** Options of {@link RetryingReports}. */
export interface RetryingReportsOptions {
  source: Pick<WorkSource, 'report'>;
  logger: Logger;
  /** Backoff between tries: doubles from `initialMs` up to `maxMs`. */
  retry: { initialMs: number; maxMs: number };
}

/**
 * The outcomes of sends on their way into the queue. An SMS that went out must never be
 * forgotten because the disk was full for a while (STORAGE_FULL) or the store could not
 * write (STORE_UNAVAILABLE, or any other error): each outcome is tried again with backoff
 * until it is recorded, or until the deadline a stop sets, after which it is logged as an
 * error (the next start then finds the task still leased and settles it as recovery does).
 */
export class RetryingReports {
  readonly #o: RetryingReportsOptions;
  readonly #pending = new Set<Promise<void>>();
  #retrying = 0;
  #deadline = Infinity;

  constructor(o: RetryingReportsOptions) {
    this.#o = o;
  }

  /** Outcomes refused at least once and not recorded yet. */
  get retrying(): number {
    return this.#retrying;
  }

  /** Outcomes on their way into the queue (first try or retrying). */
  get pending(): number {
    return this.#pending.size;
  }

  /** Starts recording `r` (in the background; `settled()` waits for it). */
  add(r: TaskReport): void {
    const p = this.#record(r).finally(() => this.#pending.delete(p));
    this.#pending.add(p);
  }

  /** From `at` (monotonic ms, `performance.now()`) on, a refused outcome is given up instead of retried. */
  deadline(at: number): void {
    this.#deadline = at;
  }

  /** Resolves when every outcome added so far is recorded or given up. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  async #record(r: TaskReport): Promise<void> {
    const { source, logger, retry } = this.#o;
    let delay = retry.initialMs;
    let failing = false;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await source.report(r);
          if (failing) logger.info({ task: r._id, attempts: attempt }, 'result of a send recorded after the store refused it');
          return;
        } catch (err) {
          if (isKatarError(err, ...REPORT_REFUSALS)) {
            logger.error({ err, task: r._id }, 'the queue refused the result of a send');
            return;
          }
          const left = this.#deadline - performance.now();
          if (left <= 0) {
            logger.error({ err, task: r._id, status: r.status, error: r.error, attempts: attempt }, 'GAVE UP recording the result of a send: the store kept refusing it until the gateway stopped; the next start settles the task as "outcome unknown"');
            return;
          }
          if (!failing) {
            failing = true;
            this.#retrying++;
          }
          const code = isKatarError(err) ? err.code : undefined;
          logger.warn({ code, err: code ? undefined : err, task: r._id, attempt, retryInMs: Math.min(delay, left) }, 'could not record the result of a send; no new task until it is recorded');
          await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)));
          delay = Math.min(retry.maxMs, delay * 2);
        }
      }
    } finally {
      if (failing) this.#retrying--;
    }
  }
}
