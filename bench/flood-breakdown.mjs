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

/** Heap bytes per entry of `make(i)` for `n` entries held in an array (the array itself excluded). */
function perEntry(n, make) {
  const hold = new Array(n).fill(0);
  const h0 = usage().heapUsedMb;
  for (let i = 0; i < n; i++) hold[i] = make(i);
  const bytes = Math.round(((usage().heapUsedMb - h0) * MB) / n);
  hold.length = 0;
  return bytes;
}

/**
 * The pieces of a queued task, each measured alone: the Task object as `add` builds it
 * (fresh id, two ISO strings, data, empty attempts) and the same with the reductions
 * one could make, the live map's entry, a ready-index entry, a task-order entry.
 */
async function parts(n) {
  const { newId } = await import(join(root, 'dist/src/queue/ids.js'));
  const { TaskOrderIndex } = await import(join(root, 'dist/src/queue/task-order-index.js'));
  const EMPTY = Object.freeze([]);
  // newId builds its id by concatenation: a rope of 26 pieces until something flattens
  // it. In the queue the journal's JSON.stringify does, and the GC then drops the rope;
  // do the same here so that an id costs what it costs in the live map.
  const flatId = () => {
    const id = newId();
    JSON.stringify(id);
    return id;
  };
  const task = (i, { shareTime = false, sharedAttempts = false } = {}) => {
    const at = new Date(Date.now() + i).toISOString();
    return { _id: flatId(), queue: 'sms', seq: i + 1, data: { to: `+6140434${String(i % 10000).padStart(4, '0')}`, msg: `flood message ${i}` }, status: 'queued', priority: 0, parts: 1, createdAt: at, updatedAt: shareTime ? at : new Date(Date.now() + i).toISOString(), attempts: sharedAttempts ? EMPTY : [] };
  };
  const tasks = Array.from({ length: n }, (_, i) => task(i));
  const map = new Map();
  const h0 = usage().heapUsedMb;
  for (const t of tasks) map.set(t._id, t);
  const mapEntry = Math.round(((usage().heapUsedMb - h0) * MB) / n);
  const h1 = usage().heapUsedMb;
  const order = new TaskOrderIndex({ live: map, history: { get: () => undefined, values: () => [] } });
  const orderEntry = Math.round(((usage().heapUsedMb - h1) * MB) / n);
  void order;
  return {
    taskAsAddBuildsIt: perEntry(n, (i) => task(i)),
    taskWithSharedCreatedUpdated: perEntry(n, (i) => task(i, { shareTime: true })),
    taskWithSharedTimeAndEmptyAttempts: perEntry(n, (i) => task(i, { shareTime: true, sharedAttempts: true })),
    idString: perEntry(n, flatId),
    isoString: perEntry(n, (i) => new Date(Date.now() + i).toISOString()),
    liveMapEntry: mapEntry,
    readyIndexEntry: perEntry(n, (i) => ({ id: tasks[i]._id, priority: 0, seq: i + 1 })),
    taskOrderEntry: orderEntry,
  };
}

/** Queues `n` tasks through FileQueue.add in batches and reports where memory went. */
export async function memoryBreakdown(n, batch) {
  if (!globalThis.gc) throw new Error('run with node --expose-gc bench/flood.mjs --breakdown');
  const { FileStore } = await import(join(root, 'dist/src/queue/store/file-store.js'));
  const { FileQueue } = await import(join(root, 'dist/src/queue/file-queue.js'));
  const dir = mkdtempSync(join(tmpdir(), 'katar-flood-mem-'));
  try {
    const store = await FileStore.open(dir);
    const settings = { pollingIntervalMs: 30_000, leaseMs: 300_000, maxAttempts: 5, retry: { initialDelayMs: 30_000, factor: 2, maxDelayMs: 3_600_000 }, resendOnUnknownOutcome: false };
    const q = await FileQueue.open({ store, queues: { sms: settings }, sweepIntervalMs: 0, maxLiveTasks: n + batch });
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
    return { tasks: n, before, after, heapPerTaskBytes: perTaskBytes, taskJsonBytes: Buffer.byteLength(JSON.stringify(sample)), sampleTask: sample, heapByKind: heap, partsBytesPerTask: await parts(n) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
