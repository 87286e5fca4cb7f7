// Shared pieces of the benchmark scripts: seeding history, reading a process's memory
// and CPU from /proc, parsing --history lists.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const { FileStore } = await import(join(root, 'dist/src/queue/store/file-store.js'));

/** Writes `n` finished tasks into the history of the store in `dir`. */
export async function seedHistory(dir, n) {
  const store = await FileStore.open(dir);
  const t0 = Date.now() - 86_400_000;
  for (let i = 1; i <= n; i++) {
    const at = new Date(t0 + i).toISOString();
    store.finish({
      _id: `seed${String(i).padStart(10, '0')}`, queue: 'sms', seq: i, data: { to: '+61404341143', msg: `history message number ${i}` },
      status: 'done', priority: 0, parts: 1, createdAt: at, updatedAt: at, finishedAt: at,
      attempts: [{ n: 1, worker: 'builtin:modem0', startedAt: at, endedAt: at, outcome: 'done' }],
    });
    if (i % 10_000 === 0) await store.commit();
  }
  await store.close();
}

/** Resident and peak resident memory of a process, in MB. */
export function rssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  return { rssMb: Math.round(kb('VmRSS')), peakMb: Math.round(kb('VmHWM')) };
}

const clkTck = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** utime + stime of a process, in seconds (fields 14 and 15 of /proc/<pid>/stat). */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / clkTck;
}

/** `--history 0,10000,100000` as numbers. */
export function historyList(text) {
  const list = text.split(',').map((h) => h.trim()).filter(Boolean).map(Number);
  if (!list.length || list.some((h) => !Number.isInteger(h) || h < 0)) throw new Error(`--history: a comma list of non-negative integers, got "${text}"`);
  return list;
}

/**
 * The node flags the product runs with: those of `npm start` (package.json), which the
 * systemd unit repeats. Benchmarked servers get them first, so a figure is the product's.
 */
export const PRODUCT_NODE_ARGS = (() => {
  const start = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.start;
  return start.split(/\s+/).filter((w) => w.startsWith('--') && start.indexOf(w) < start.indexOf('dist/'));
})();

/**
 * Starts `katar-sms serve` on a free port with the per-token rate limit raised (a
 * producer safeguard, not the subject of the benchmarks); resolves once it listens.
 * `configDir` holds the generated config file, `dataDir` the store; `nodeArgs` go to node
 * itself after the product's own flags (e.g. `--max-old-space-size=256`).
 */
export async function startServe({ configDir, dataDir, modem = 'none', extraConfig = {}, nodeArgs = [] }) {
  const { spawn } = await import('node:child_process');
  const { writeFileSync } = await import('node:fs');
  const config = join(configDir, 'bench-config.json');
  writeFileSync(config, JSON.stringify({ rateLimit: { max: 10_000_000, windowMs: 1000 }, logLevel: 'info', ...extraConfig }));
  const t0 = performance.now();
  const proc = spawn(process.execPath, [...PRODUCT_NODE_ARGS, ...nodeArgs, join(root, 'dist/src/cli/main.js'), 'serve', '--modem', modem, '--port', '0', '--data-dir', dataDir, '--config', config], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await listeningUrl(proc);
  return { proc, url, startMs: Math.round(performance.now() - t0) };
}

/** Resolves with the URL a started `katar-sms serve` says it listens on; rejects if it exits first. */
export function listeningUrl(proc) {
  let out = '';
  return new Promise((resolve, reject) => {
    proc.stdout.on('data', (b) => {
      if (out.length < 1e6) out += b;
      const m = /katar-sms listening on (http:\/\/[^"\s]+)/.exec(out);
      if (m) resolve(m[1]);
    });
    proc.on('exit', (c) => reject(new Error(`server exited ${c}: ${out}`)));
  });
}
