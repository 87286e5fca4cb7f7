/**
 * Group commit: callers that ask for durability while a disk write is in flight share
 * the next write, so N concurrent requests cost about two fsyncs, not N.
 */
export class GroupCommit {
  readonly #flush: () => Promise<void>;
  #inFlight: Promise<void> | null = null;
  #next: Promise<void> | null = null;

  constructor(flush: () => Promise<void>) {
    this.#flush = flush;
  }

  /** Resolves once everything buffered before this call is durable. */
  commit(): Promise<void> {
    if (this.#next) return this.#next;
    if (!this.#inFlight) return this.#start();
    const after = this.#inFlight.catch(() => undefined);
    this.#next = after.then(() => {
      this.#next = null;
      return this.#start();
    });
    return this.#next;
  }

  /** Waits for the writes in flight (used before shutdown and checkpoints). */
  async idle(): Promise<void> {
    while (this.#inFlight || this.#next) {
      await (this.#next ?? this.#inFlight)?.catch(() => undefined);
    }
  }

  #start(): Promise<void> {
    const run = this.#flush().finally(() => {
      if (this.#inFlight === run) this.#inFlight = null;
    });
    this.#inFlight = run;
    return run;
  }
}
