// Where the memory of a deep queue goes, measured in one process (the queue and store
// of dist/, no HTTP): heap and RSS before and after `n` tasks are queued, then a heap
// snapshot summed by kind of object, so the cost per queued task can be split into the
// Task objects, their strings, the maps and the indexes. Used by `bench/flood.mjs
// --breakdown`; needs `node --expose-gc`.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';

const root = new URL('..', import.meta.url).pathname;
const MB = 2 ** 20;

function usage() {
  globalThis.gc?.();
  globalThis.gc?.();
  const m = process.memoryUsage();
  return { rssMb: +(m.rss / MB).toFixed(1), heapUsedMb: +(m.heapUsed / MB).toFixed(1), externalMb: +(m.external / MB).toFixed(1), arrayBuffersMb: +(m.arrayBuffers / MB).toFixed(1) };
}

/** Self size of the snapshot's nodes, summed per "type:name" (names of strings folded). */
function summarise(file, top = 18) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const { node_fields: fields, node_types: [types] } = snap.snapshot.meta;
  const width = fields.length;
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const sums = new Map();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType]];
    const name = type === 'string' || type === 'concatenated string' || type === 'sliced string' || type === 'number' ? '' : snap.strings[snap.nodes[i + iName]];
    const key = `${type}:${name}`.slice(0, 60);
    const s = sums.get(key) ?? { count: 0, bytes: 0 };
    s.count++;
    s.bytes += snap.nodes[i + iSize];
    sums.set(key, s);
  }
  return [...sums].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top).map(([kind, s]) => ({ kind, count: s.count, mb: +(s.bytes / MB).toFixed(1) }));
}

/** Queues `n` tasks through QueueService.add in batches and reports where memory went. */
export async function memoryBreakdown(n, batch) {
  if (!globalThis.gc) throw new Error('run with node --expose-gc bench/flood.mjs --breakdown');
  const { FileStore } = await import(join(root, 'dist/src/queue/store/file-store.js'));
  const { QueueService } = await import(join(root, 'dist/src/queue/queue-service.js'));
  const dir = mkdtempSync(join(tmpdir(), 'katar-flood-mem-'));
  try {
    const store = await FileStore.open(dir);
    const settings = { pollingIntervalMs: 30_000, leaseMs: 300_000, maxAttempts: 5, retry: { initialDelayMs: 30_000, factor: 2, maxDelayMs: 3_600_000 }, resendOnUnknownOutcome: false };
    const q = await QueueService.open({ store, queues: { sms: settings }, sweepIntervalMs: 0 });
    const before = usage();
    for (let i = 0; i < n; i += batch) {
      await q.add('sms', Array.from({ length: batch }, (_, k) => ({ data: { to: '+61404341143', msg: `flood message ${i + k}` }, parts: 1 })));
    }
    await store.checkpoint();
    const after = usage();
    const perTaskBytes = Math.round(((after.heapUsedMb - before.heapUsedMb) * MB) / n);
    const sample = store.live.values().next().value;
    const file = join(dir, 'heap.heapsnapshot');
    v8.writeHeapSnapshot(file);
    const heap = summarise(file);
    q.close();
    await store.close();
    return { tasks: n, before, after, heapPerTaskBytes: perTaskBytes, taskJsonBytes: Buffer.byteLength(JSON.stringify(sample)), sampleTask: sample, heapByKind: heap };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
