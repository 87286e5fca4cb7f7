// Preloaded into the benchmarked server (`node --expose-gc --import bench/flood-probe.mjs`):
// on SIGUSR2 it writes the event-loop stalls and GC pauses since the last signal, and the
// process's memory before and after a full GC with V8's heap spaces, to the file named
// by $FLOOD_PROBE_OUT. Lets bench/flood.mjs say where the RSS and the slow requests
// of a deep queue come from without touching the gateway's code.
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

const MB = 2 ** 20;
const mb = (n) => +(n / MB).toFixed(1);

function sample() {
  const m = process.memoryUsage();
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, { sizeMb: mb(s.space_size), usedMb: mb(s.space_used_size), physicalMb: mb(s.physical_space_size) }]));
  return { rssMb: mb(m.rss), heapTotalMb: mb(m.heapTotal), heapUsedMb: mb(m.heapUsed), externalMb: mb(m.external), arrayBuffersMb: mb(m.arrayBuffers), spaces };
}

// Event-loop stalls and GC pauses since the previous probe: what sets a p99 when every
// request of a moment waits behind one long pause.
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
let gc = { count: 0, totalMs: 0, maxMs: 0 };
let windowStart = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (e.startTime < windowStart) continue; // the probe's own forced GC, reported late
    gc.count++;
    gc.totalMs += e.duration;
    gc.maxMs = Math.max(gc.maxMs, e.duration);
  }
}).observe({ entryTypes: ['gc'] });

process.on('SIGUSR2', () => {
  const stalls = { loopDelayP99Ms: +(loop.percentile(99) / 1e6).toFixed(1), loopDelayMaxMs: +(loop.max / 1e6).toFixed(1), gcPauses: gc.count, gcTotalMs: Math.round(gc.totalMs), gcMaxMs: Math.round(gc.maxMs) };
  const before = sample();
  globalThis.gc?.();
  const afterGc = sample();
  loop.reset(); // after the forced GC, so that the next window counts only its own pauses
  gc = { count: 0, totalMs: 0, maxMs: 0 };
  windowStart = performance.now();
  if (process.env.FLOOD_PROBE_OUT) writeFileSync(process.env.FLOOD_PROBE_OUT, JSON.stringify({ stalls, before, afterGc }));
});
