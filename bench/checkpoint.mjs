// Bytes a checkpoint writes, with 10,000 and 100,000 live tasks (not in CI).
//   npm run build && node bench/checkpoint.mjs [--changes 2000]
// After a full first checkpoint, a worker-like load changes `changes` tasks (the oldest
// are handed out, half finish, half go back with a retry), then one checkpoint runs.
// Written bytes = new segment files + manifest; "one file" is what a single live.json of
// all live tasks would take (the v0.1 layout rewrote that much at every checkpoint).
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const { FileStore } = await import(join(root, 'dist/src/queue/store/file-store.js'));
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? dflt : Number(process.argv[i + 1]);
};
const changes = arg('changes', 2000);

function task(i) {
  const at = new Date(Date.UTC(2026, 0, 1) + i).toISOString();
  return { _id: `t${String(i).padStart(10, '0')}`, queue: 'sms', seq: i, data: { to: '+61404341143', msg: `queued message number ${i}` }, status: 'queued', priority: 0, parts: 1, createdAt: at, updatedAt: at, attempts: [] };
}

async function segmentBytes(dir) {
  const out = new Map();
  for (const f of await readdir(join(dir, 'live'))) out.set(f, (await stat(join(dir, 'live', f))).size);
  return out;
}

async function run(n) {
  const dir = await mkdtemp(join(tmpdir(), 'katar-bench-cp-'));
  try {
    const s = await FileStore.open(dir, { checkpointBytes: Number.MAX_SAFE_INTEGER });
    for (let i = 1; i <= n; i++) {
      const t = task(i);
      s.live.set(t._id, t);
      s.putLive(t);
      if (i % 10_000 === 0) await s.commit();
    }
    await s.commit();
    await s.checkpoint();
    const before = await segmentBytes(dir);
    const allLive = [...before.values()].reduce((a, b) => a + b, 0);
    const now = new Date().toISOString();
    for (let i = 1; i <= changes; i++) {
      const t = s.live.get(task(i)._id);
      const leased = { ...t, status: 'in progress', updatedAt: now, attempts: [{ n: 1, worker: 'builtin:modem0', startedAt: now }], lease: { worker: 'builtin:modem0', expiresAt: now } };
      s.live.set(t._id, leased);
      s.putLive(leased);
      if (i % 2) {
        s.live.delete(t._id);
        s.finish({ ...leased, status: 'done', lease: undefined, finishedAt: now });
      } else {
        const back = { ...leased, status: 'queued', lease: undefined, notBefore: now };
        s.live.set(t._id, back);
        s.putLive(back);
      }
    }
    await s.commit();
    const journal = s.sizes().journal;
    const t0 = performance.now();
    await s.checkpoint();
    const ms = performance.now() - t0;
    const after = await segmentBytes(dir);
    let written = (await stat(join(dir, 'manifest.json'))).size;
    for (const [f, size] of after) if (!before.has(f)) written += size;
    await s.close();
    return { liveTasks: n, changes, journalBytes: journal, checkpointBytesWritten: written, bytesPerChange: Math.round(written / changes), oneFileBytes: allLive, checkpointMs: Math.round(ms) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const rows = [];
for (const n of [10_000, 100_000]) rows.push(await run(n));
console.table(rows);
console.log(JSON.stringify(rows));
