// Floods: the gateway with a deep queue and a misbehaving producer (never in CI).
// 1. Targets: `katar-sms serve --modem none` (nothing drains) filled with --tasks queued
//    tasks through batches of --batch; then RSS, send p99 (autocannon, --sends single
//    sends on 50 connections, so the queue goes from 100k to 110k) and GET /tasks p99
//    (50 parallel clients for --seconds, each page at a random cursor; unfiltered and
//    status=queued). The live-task cap is raised for this run so the sends are accepted.
// 2. Abuse: a fresh server under `node --max-old-space-size=256` with the default cap:
//    --senders loops posting batches of 1000 as fast as they are answered, plus 100
//    parallel GET /tasks?limit=1000, for --abuse-seconds. It must still be alive after.
// 3. --breakdown: where the memory of queued tasks goes, measured in this process
//    (run as `node --expose-gc bench/flood.mjs --breakdown`).
// Usage: npm run build && node bench/flood.mjs [--tasks 100000] [--batch 1000] [--sends 10000]
//        [--seconds 10] [--abuse-seconds 30] [--senders 4] [--skip-targets] [--skip-abuse]
//        [--server-args '--max-semi-space-size=1']
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { rssOf, startServe } from './lib.mjs';
import { memoryBreakdown } from './flood-breakdown.mjs';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '1000' },
    sends: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '10' },
    'abuse-seconds': { type: 'string', default: '30' },
    senders: { type: 'string', default: '4' },
    'skip-targets': { type: 'boolean', default: false },
    'skip-abuse': { type: 'boolean', default: false },
    breakdown: { type: 'boolean', default: false },
    'server-args': { type: 'string', default: '' },
  },
});
const TASKS = Number(values.tasks);
const BATCH = Number(values.batch);
/** Extra node flags for the benchmarked servers, to try memory settings (e.g. --max-semi-space-size=1). */
const SERVER_ARGS = values['server-args'].split(' ').filter(Boolean);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const children = new Set();
process.on('exit', () => { for (const c of children) c.kill('SIGKILL'); });

const message = (i) => ({ to: '+61404341143', msg: `flood message ${i}` });
const batchBody = (from) => JSON.stringify({ messages: Array.from({ length: BATCH }, (_, i) => message(from + i)) });
const pct = (xs, p) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] : NaN);

/**
 * Starts the server; when this build does not know `maxLiveTasks` (exit 78 on the
 * config), starts again without it and says so.
 */
async function start(dir, { maxLiveTasks, nodeArgs: own = [] }) {
  const nodeArgs = [...SERVER_ARGS, ...own];
  const base = { bodyLimitBytes: 4 << 20 };
  const dataDir = join(dir, 'data');
  try {
    const s = await startServe({ configDir: dir, dataDir, extraConfig: maxLiveTasks === undefined ? base : { ...base, maxLiveTasks }, nodeArgs });
    children.add(s.proc);
    return { ...s, maxLiveTasks: maxLiveTasks ?? 'default' };
  } catch (err) {
    if (maxLiveTasks === undefined || !/exited 78/.test(String(err))) throw err;
    const s = await startServe({ configDir: dir, dataDir, extraConfig: base, nodeArgs });
    children.add(s.proc);
    return { ...s, maxLiveTasks: 'not in this build (no queue-depth limit)' };
  }
}

async function stop(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return { code: proc.exitCode, signal: proc.signalCode };
  const exited = new Promise((res) => proc.on('exit', (code, signal) => res({ code, signal })));
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), 20_000);
  const r = await exited;
  clearTimeout(t);
  children.delete(proc);
  return r;
}

/** Posts batches until `n` tasks are queued, `parallel` at a time; latency per batch. */
async function fill(url, n, parallel = 4) {
  const lat = [];
  let next = 0;
  const t0 = performance.now();
  const loop = async () => {
    while (next < n) {
      const from = next;
      next += BATCH;
      const s = performance.now();
      const r = await fetch(`${url}/v1/queue/sms/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: batchBody(from) });
      await r.arrayBuffer();
      if (r.status !== 201) throw new Error(`fill: batch answered ${r.status}`);
      lat.push(performance.now() - s);
    }
  };
  await Promise.all(Array.from({ length: parallel }, loop));
  return { seconds: +((performance.now() - t0) / 1000).toFixed(1), batchP50Ms: Math.round(pct(lat, 50)), batchP99Ms: Math.round(pct(lat, 99)) };
}

/** autocannon GET /tasks at a random cursor per request. */
function listLoad(url, { connections, seconds, maxSeq, query = '' }) {
  const path = () => `/v1/queue/sms/tasks?cursor=${Math.floor(Math.random() * maxSeq)}${query}`;
  return autocannon({ url, connections, duration: seconds, requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: path() }) }] });
}

/** The server's own view of its memory (bench/flood-probe.mjs), before and after a full GC. */
async function probe(proc, file) {
  rmSync(file, { force: true });
  proc.kill('SIGUSR2');
  for (let i = 0; i < 100 && !existsSync(file); i++) await sleep(50);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

async function targets() {
  const dir = mkdtempSync(join(tmpdir(), 'katar-flood-'));
  try {
    process.env.FLOOD_PROBE_OUT = join(dir, 'probe.json');
    const probeArgs = ['--expose-gc', '--import', new URL('./flood-probe.mjs', import.meta.url).pathname];
    const { proc, url, maxLiveTasks } = await start(dir, { maxLiveTasks: 10 * TASKS, nodeArgs: probeArgs });
    await sleep(1000);
    const idle = rssOf(proc.pid);
    const filled = await fill(url, TASKS);
    await sleep(5000); // the checkpoint the fill triggered runs in the background
    const afterFill = rssOf(proc.pid);
    const memoryAfterFill = await probe(proc, process.env.FLOOD_PROBE_OUT);
    const body = JSON.stringify(message(0));
    const send = await autocannon({ url: `${url}/v1/queue/sms/send`, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections: 50, amount: Number(values.sends) });
    const duringSend = (await probe(proc, process.env.FLOOD_PROBE_OUT))?.stalls;
    const maxSeq = TASKS + Number(values.sends);
    const seconds = Number(values.seconds);
    await listLoad(url, { connections: 50, seconds: 2, maxSeq }); // warm-up
    const list = await listLoad(url, { connections: 50, seconds, maxSeq });
    const listQueued = await listLoad(url, { connections: 50, seconds, maxSeq, query: '&status=queued' });
    const afterLoad = rssOf(proc.pid);
    const memoryAfterLoad = await probe(proc, process.env.FLOOD_PROBE_OUT);
    const health = await (await fetch(`${url}/healthz`)).json();
    await stop(proc);
    const lat = (r) => ({ p50Ms: r.latency.p50, p99Ms: r.latency.p99, maxMs: r.latency.max, perSecond: Math.round(r.requests.average), non2xx: r.non2xx, errors: r.errors });
    return { tasks: TASKS, maxLiveTasks, idleRssMb: idle.rssMb, fill: filled, rssAfterFillMb: afterFill.rssMb, peakDuringFillMb: afterFill.peakMb, send: lat(send), list: lat(list), listQueued: lat(listQueued), rssAfterLoadMb: afterLoad.rssMb, peakMb: afterLoad.peakMb, stallsDuringSend: duringSend, memoryAfterFill, memoryAfterLoad, healthTasks: health.queues };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function abuse() {
  const dir = mkdtempSync(join(tmpdir(), 'katar-flood-'));
  const seconds = Number(values['abuse-seconds']);
  try {
    const { proc, url, maxLiveTasks } = await start(dir, { nodeArgs: ['--max-old-space-size=256'] });
    let exit = null;
    proc.on('exit', (code, signal) => { exit = { code, signal }; });
    const codes = {};
    let accepted = 0;
    let retryAfter;
    const until = performance.now() + seconds * 1000;
    const sender = async () => {
      for (let from = 0; performance.now() < until && !exit; from += BATCH) {
        try {
          const r = await fetch(`${url}/v1/queue/sms/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: batchBody(from) });
          const text = await r.text();
          const code = r.status === 201 ? '201' : `${r.status} ${/"code":"([A-Z_]+)"/.exec(text)?.[1] ?? ''}`.trim();
          codes[code] = (codes[code] ?? 0) + 1;
          if (r.status === 201) accepted += BATCH;
          if (r.status === 429) {
            retryAfter ??= r.headers.get('retry-after');
            await sleep(10); // a flooder that barely waits
          }
        } catch (err) {
          codes[`network ${err.cause?.code ?? err.message}`] = (codes[`network ${err.cause?.code ?? err.message}`] ?? 0) + 1;
          if (exit) break;
          await sleep(50);
        }
      }
    };
    const peak = { rssMb: 0 };
    const sampler = setInterval(() => { if (!exit) peak.rssMb = Math.max(peak.rssMb, rssOf(proc.pid).rssMb); }, 500);
    const [list] = await Promise.all([
      listLoad(url, { connections: 100, seconds, maxSeq: 100_000, query: '&limit=1000' }),
      ...Array.from({ length: Number(values.senders) }, sender),
    ]);
    clearInterval(sampler);
    const alive = exit === null;
    const mem = alive ? rssOf(proc.pid) : { rssMb: NaN, peakMb: NaN };
    const health = alive ? await (await fetch(`${url}/healthz`)).json().catch(() => undefined) : undefined;
    const stopped = await stop(proc);
    return {
      seconds, maxLiveTasks, heapLimit: '--max-old-space-size=256', alive, exit: exit ?? stopped,
      batches: codes, tasksAccepted: accepted, retryAfter,
      list: { requests: list.requests.total, p50Ms: list.latency.p50, p99Ms: list.latency.p99, non2xx: list.non2xx, errors: list.errors },
      rssEndMb: mem.rssMb, peakMb: Math.max(mem.peakMb || 0, peak.rssMb), healthTasks: health?.queues,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memGb: Math.round(totalmem() / 2 ** 30), node: process.version, date: new Date().toISOString() };
const out = { machine };
if (values.breakdown) out.breakdown = await memoryBreakdown(TASKS, BATCH);
else {
  if (!values['skip-targets']) out.targets = await targets();
  if (!values['skip-abuse']) out.abuse = await abuse();
}
console.log(JSON.stringify(out, null, 2));
