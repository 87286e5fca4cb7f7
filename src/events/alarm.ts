/**
 * A wait that something else can cut short: `wait(ms)` resolves after `ms` or at the next
 * `ring()`, whichever comes first. A ring while nobody waits is kept, so the next wait
 * returns at once (nothing that happens between a check and the wait is missed) until
 * `clear()`. One waiter at a time: a subscription's loop.
 */
export class Alarm {
  #rung = false;
  #wake: (() => void) | undefined;

  ring(): void {
    this.#rung = true;
    this.#wake?.();
  }

  clear(): void {
    this.#rung = false;
  }

  wait(ms: number): Promise<void> {
    if (this.#rung) {
      this.#rung = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake = undefined;
        this.#rung = false;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.#wake = done;
    });
  }
}
