import type * as Inspector from 'node:inspector';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import type { Logger } from './log.js';

/**
 * Gives back the memory the start-up used and no longer needs, before the gateway
 * listens: reading the history (100,000 finished tasks: 41 MB of JSON lines) and building
 * the HTTP app leave the heap grown to about twice what stays live, and the young
 * generation at its largest. V8's memory reducer gives that back on its own only once it
 * sees the process idle, 10 s to 100 s after the start; until then an idle gateway holds
 * 30-40 MB more than it needs.
 *
 * The collection is the one the reducer (and a low-memory notification) runs: full,
 * compacting, shrinking the young generation and releasing the freed pages to the
 * system. Node reaches it only through the inspector protocol, here an in-process
 * session (no port is opened, nothing listens). It takes about 100-200 ms on one core of
 * a small machine, once per start, before any request is served. A Node built without
 * the inspector leaves the memory to the reducer.
 */
export async function trimMemory(logger: Logger): Promise<void> {
  const started = performance.now();
  const before = process.memoryUsage.rss();
  let inspector: typeof Inspector;
  try {
    inspector = await import('node:inspector');
  } catch (err) {
    logger.debug({ err }, 'no inspector in this Node: the start-up memory is given back by V8 later');
    return;
  }
  const session = new inspector.Session();
  session.connect();
  try {
    await new Promise<void>((resolve, reject) => session.post('HeapProfiler.collectGarbage', (err) => (err ? reject(err) : resolve())));
  } finally {
    session.disconnect();
  }
  const mb = (n: number): number => Math.round(n / 2 ** 20);
  logger.debug({ rssBeforeMb: mb(before), rssAfterMb: mb(process.memoryUsage.rss()), ms: Math.round(performance.now() - started) }, 'start-up memory given back');
}

/**
 * Runs `fn` soon after each full (mark-compact) collection, at most once per turn of the
 * event loop; returns the function that stops it. A full collection ages V8's
 * compilation cache of regular expressions, and the phone-number library builds its
 * patterns with `new RegExp` on every check: the first check after such a collection (the
 * memory reducer runs them in an idle minute, a flood runs them too) took 0.7-3.4 ms on
 * this machine against 0.1-0.2 ms, because it compiled dozens of them again. Checked once
 * right after each full collection, they stay cached, and the next send's check costs
 * what a warm one does. Scavenges (the young generation) do not touch the cache.
 */
export function afterFullCollections(fn: () => void): () => void {
  let queued = false;
  const observer = new PerformanceObserver((list) => {
    if (queued || !list.getEntries().some((e) => (e as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR)) return;
    queued = true;
    setImmediate(() => {
      queued = false;
      fn();
    }).unref();
  });
  observer.observe({ type: 'gc' });
  return () => observer.disconnect();
}
