// Preloaded into the benchmarked server (`node --expose-gc --import bench/flood-probe.mjs`):
// on SIGUSR2 it writes the process's memory, before and after a full GC, with V8's heap
// spaces, to the file named by $FLOOD_PROBE_OUT. Lets bench/flood.mjs say where the RSS
// of a deep queue goes without touching the gateway's code.
import { writeFileSync } from 'node:fs';
import v8 from 'node:v8';

const MB = 2 ** 20;
const mb = (n) => +(n / MB).toFixed(1);

function sample() {
  const m = process.memoryUsage();
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, { sizeMb: mb(s.space_size), usedMb: mb(s.space_used_size), physicalMb: mb(s.physical_space_size) }]));
  return { rssMb: mb(m.rss), heapTotalMb: mb(m.heapTotal), heapUsedMb: mb(m.heapUsed), externalMb: mb(m.external), arrayBuffersMb: mb(m.arrayBuffers), spaces };
}

process.on('SIGUSR2', () => {
  const before = sample();
  globalThis.gc?.();
  const afterGc = sample();
  if (process.env.FLOOD_PROBE_OUT) writeFileSync(process.env.FLOOD_PROBE_OUT, JSON.stringify({ before, afterGc }));
});
