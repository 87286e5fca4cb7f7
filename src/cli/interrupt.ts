/**
 * Stopping a command that runs until stopped (`inbox --follow`, `events --follow`):
 * Ctrl-C or SIGTERM aborts a signal, and the command ends cleanly with exit 0. A
 * second Ctrl-C gets Node's default (the process dies at once).
 */

/** A signal that aborts on the first SIGINT or SIGTERM; `dispose` stops listening. */
export function untilInterrupted(): { signal: AbortSignal; dispose(): void } {
  const ctl = new AbortController();
  const stop = (): void => ctl.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: ctl.signal,
    dispose() {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}

/** Waits `ms`, or less when `signal` aborts first; never rejects. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
