/**
 * Exponential backoff and a cancellable sleep, both on setTimeout so vitest's fake timers
 * drive every wait in tests.
 */

/** Doubling delays from `initialMs` up to `maxMs`; `reset()` after a success. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {}

  /** The delay before the next attempt (1 s, 2 s, 4 s ... capped). */
  next(): number {
    const ms = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return ms;
  }

  /** Back to the initial delay. */
  reset(): void {
    this.attempt = 0;
  }
}

/** Thrown (rejected) by {@link sleep} when its signal aborts. */
export class Cancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'Cancelled';
  }
}

/** Waits `ms`; rejects with {@link Cancelled} as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new Cancelled());
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Cancelled());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
