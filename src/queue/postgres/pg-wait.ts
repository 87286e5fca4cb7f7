import type { EventEmitter } from 'node:events';
import type { QueueEvents } from '../queue-events.js';
import type { Task } from '../task.js';

/**
 * Resolves when a task of `queue` is queued by this box (`events`), when the mirror
 * learnt of work for it from another box (`wake`, and `ready()` agrees), after `ms`, or
 * on abort: the long poll of a worker.
 */
export function waitForWork(events: EventEmitter<QueueEvents>, wake: EventEmitter<{ work: [queue: string] }>, queue: string, ms: number, ready: () => boolean, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      events.off('queued', onQueued);
      wake.off('work', onWork);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const onQueued = (t: Task): void => {
      if (t.queue === queue) done();
    };
    const onWork = (q: string): void => {
      if (q === queue && ready()) done();
    };
    const timer = setTimeout(done, ms);
    events.on('queued', onQueued);
    wake.on('work', onWork);
    signal?.addEventListener('abort', done);
  });
}
