/** After a failed save, the next try waits this long (the store may be full or unwritable). */
const RETRY_AFTER_FAILURE_MS = 5000;

/**
 * Saves a subscription's cursor in batches: at most one save per `everyMs` however fast
 * events are delivered, one at a time, and a last one at close. Between saves a crash
 * sends the last deliveries again (at-least-once; receivers dedupe by event id).
 */
export class CursorSaver {
  #saved: number;
  #wanted: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #saving: Promise<void> | undefined;
  #closed = false;

  constructor(
    private readonly save: (cursor: number) => Promise<void>,
    saved: number,
    private readonly everyMs: number,
    private readonly onError: (err: unknown) => void,
  ) {
    this.#saved = saved;
    this.#wanted = saved;
  }

  /** The cursor durably saved. */
  get saved(): number {
    return this.#saved;
  }

  /** Notes a new cursor; it is saved within `everyMs`. */
  advance(cursor: number): void {
    if (cursor <= this.#wanted) return;
    this.#wanted = cursor;
    this.#schedule(this.everyMs);
  }

  /** Saves what is pending now and waits for it (at stop); no timer is left behind. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#saving) await this.#saving;
    if (this.#wanted > this.#saved) await this.#saveNow();
  }

  #schedule(ms: number): void {
    if (this.#timer || this.#saving || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#saveNow();
    }, ms);
  }

  #saveNow(): Promise<void> {
    const cursor = this.#wanted;
    let failed = false;
    this.#saving = this.save(cursor)
      .then(() => {
        if (cursor > this.#saved) this.#saved = cursor;
      })
      .catch((err: unknown) => {
        failed = true;
        this.onError(err);
      })
      .finally(() => {
        this.#saving = undefined;
        if (this.#wanted > this.#saved) this.#schedule(failed ? RETRY_AFTER_FAILURE_MS : this.everyMs);
      });
    return this.#saving;
  }
}
