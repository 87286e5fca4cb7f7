import { isKatarError, STORE_DOWN } from '../errors.js';
import type { Logger } from '../log.js';


/** Options of {@link DeliveryBacklog}. */
export interface DeliveryBacklogOptions {
  logger?: Logger;
  /** Backoff between tries of the oldest record: doubles from `initialMs` up to `maxMs`. */
  retry?: { initialMs: number; maxMs: number };
  /** Records kept at most; past it the oldest is dropped, with a warning. */
  limit?: number;
}

/**
 * The status-report bookkeeping of one modem (the reference of each part it sent, the
 * status reports it received) on its way into a store that cannot write for a while: the
 * fleet's database away, the disk full. The SMS went out, so its reference must not be
 * forgotten, or its status report matches nothing and the task's delivery stays unknown.
 * A refused record is kept in memory and tried again, oldest first, with backoff. One
 * record is written at a time, and while any is kept newer ones queue behind it, so a
 * report never overtakes the record of its part, even one still being written when the
 * store stalls. Kept in memory only: a gateway that stops before the store writes again loses
 * them (said in the log), as a status report the modem delivered meanwhile would be.
 */
export class DeliveryBacklog {
  readonly #o: DeliveryBacklogOptions;
  readonly #waiting: Array<{ what: string; run: () => Promise<unknown> }> = [];
  #timer: NodeJS.Timeout | undefined;
  #delayMs = 0;
  #flushing: Promise<void> | undefined;
  #dropped = 0;
  /** The submission before: each waits for it, so one still being written is overtaken by none. */
  #tail: Promise<unknown> = Promise.resolve();

  constructor(o: DeliveryBacklogOptions = {}) {
    this.#o = o;
  }

  /** Records kept, waiting for the store. */
  get size(): number {
    return this.#waiting.length;
  }

  /**
   * Runs `run` now, or keeps it when the store cannot write (or older records wait). Rejects
   * only with an error that no retry changes (the record is then not kept).
   */
  submit(what: string, run: () => Promise<unknown>): Promise<void> {
    const turn = this.#tail.then(() => this.#attempt(what, run));
    this.#tail = turn.catch(() => undefined);
    return turn;
  }

  async #attempt(what: string, run: () => Promise<unknown>): Promise<void> {
    if (this.#waiting.length > 0 || this.#flushing) return this.#keep(what, run);
    try {
      await run();
    } catch (err) {
      if (!isKatarError(err, ...STORE_DOWN)) throw err;
      this.#keep(what, run);
    }
  }

  /** Tries the kept records once more, now (at stop); resolves when done or refused again. */
  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#flushing ??= this.#drain().finally(() => {
      this.#flushing = undefined;
      if (this.#waiting.length > 0) this.#schedule(); // refused again, or kept meanwhile
    });
    await this.#flushing;
  }

  /** Stops retrying; what is still kept is said in the log and forgotten. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#waiting.length > 0) this.#o.logger?.error({ records: this.#waiting.length }, `stopping with ${this.#waiting.length} status-report records the store never took: the delivery of those SMS stays unknown`);
    this.#waiting.length = 0;
  }

  #keep(what: string, run: () => Promise<unknown>): void {
    if (this.#waiting.length === 0) this.#o.logger?.warn(`the store cannot write: ${what} and what follows is kept in memory and recorded once it can`);
    this.#waiting.push({ what, run });
    const limit = this.#o.limit ?? 10_000;
    if (this.#waiting.length > limit) {
      this.#waiting.shift();
      if (this.#dropped++ === 0) this.#o.logger?.error({ limit }, 'more status-report records wait for the store than are kept: the oldest are dropped (their delivery stays unknown)');
    }
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer || this.#flushing) return;
    const { initialMs, maxMs } = this.#o.retry ?? { initialMs: 1_000, maxMs: 10_000 };
    this.#delayMs = this.#delayMs === 0 ? initialMs : Math.min(maxMs, this.#delayMs * 2);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, this.#delayMs);
    this.#timer.unref();
  }

  async #drain(): Promise<void> {
    let recorded = 0;
    while (this.#waiting.length > 0) {
      const head = this.#waiting[0]!;
      try {
        await head.run();
        recorded++;
      } catch (err) {
        if (isKatarError(err, ...STORE_DOWN)) return;
        this.#o.logger?.warn({ err }, `${head.what}: refused by the store, dropped`);
      }
      this.#waiting.shift();
    }
    this.#delayMs = 0;
    if (recorded > 0 || this.#dropped > 0) this.#o.logger?.info({ recorded, dropped: this.#dropped }, 'the store writes again: the kept status-report records are recorded');
    this.#dropped = 0;
  }
}
