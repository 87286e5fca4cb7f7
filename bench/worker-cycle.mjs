// The katar worker protocol under load, on loopback: a server (`serve --modem none`)
// pre-filled with queued tasks, then W concurrent workers (each its own X-Katar-Worker)
// doing cycles of "POST /v1/queue/sms with the previous task's done report -> next task"
// for a bounded time, after a 2 s warm-up. One scenario per --history value (finished
// tasks seeded into history before the server starts, as queue-api.mjs does).
// Checks on the way: no task handed out twice, and every reported task ends up done.
// Usage: node bench/worker-cycle.mjs [--seconds 10] [--workers 50] [--history 0,100000] [--prefill 60000]
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cpuSeconds, historyList, rssOf, seedHistory, startServe } from './lib.mjs';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    workers: { type: 'string', default: '50' },
    history: { type: 'string', default: '0,100000' },
    prefill: { type: 'string', default: '60000' },
  },
});
const seconds = Number(values.seconds);
const workers = Number(values.workers);
const prefill = Number(values.prefill);
const warmupSeconds = 2;
const histories = historyList(values.history);





const children = new Set();
process.on('exit', () => { for (const c of children) c.kill('SIGKILL'); });

async function startServer(dir) {
  const s = await startServe({ configDir: dir, dataDir: join(dir, 'data') });
  children.add(s.proc);
  s.proc.on('exit', () => children.delete(s.proc));
  return s;
}

// node:http with keep-alive: one socket per worker, less client CPU than fetch on a 2-core box.
function client(url, maxSockets) {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const { hostname, port } = new URL(url);
  return {
    agent,
    post(path, body, headers = {}) {
      return new Promise((resolve, reject) => {
        const data = JSON.stringify(body);
        const req = request({ agent, hostname, port, path, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), ...headers } }, (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
          res.on('error', reject);
        });
        req.setTimeout(30_000, () => req.destroy(new Error('request timeout')));
        req.on('error', reject);
        req.end(data);
      });
    },
  };
}

async function fill(http, n) {
  const batch = (k) => ({ messages: Array.from({ length: k }, (_, i) => ({ to: '+61404341143', msg: `worker cycle message ${i}` })) });
  for (let left = n; left > 0; left -= 1000) {
    const r = await http.post('/v1/queue/sms/send', batch(Math.min(1000, left)));
    if (r.status !== 201) throw new Error(`batch refused: ${r.status} ${r.text.slice(0, 300)}`);
  }
}

async function getJson(url) {
  const r = await fetch(url);
  return r.json();
}

// W workers cycling until `until`; returns counts and the latency of every poll/report request.
async function cycle(http, until, stats, carry) {
  const one = async (w) => {
    const headers = { 'x-katar-worker': `bench-w${w}` };
    let prev = carry[w];
    while (performance.now() < until) {
      const body = prev ? { max: 1, tasks: [{ _id: prev, status: 'done' }] } : { max: 1 };
      const t = performance.now();
      let r;
      try {
        r = await http.post('/v1/queue/sms', body, headers);
      } catch (err) {
        stats.errors++;
        stats.lastError = err.message;
        continue;
      }
      if (stats.latencies) stats.latencies.push(performance.now() - t);
      if (prev && r.status < 300) stats.reported++;
      if (r.status === 200) {
        prev = JSON.parse(r.text).tasks[0]._id;
        if (stats.seen.has(prev)) stats.duplicates++;
        stats.seen.add(prev);
        stats.cycles++;
      } else if (r.status === 204) {
        prev = undefined;
        stats.empty++;
      } else {
        stats.non2xx++;
        stats.lastError = `${r.status} ${r.text.slice(0, 200)}`;
        prev = undefined;
      }
    }
    carry[w] = prev;
  };
  await Promise.all(Array.from({ length: workers }, (_, w) => one(w)));
}

async function scenario(name, history) {
  const dir = mkdtempSync(join(tmpdir(), 'katar-bench-'));
  let proc;
  try {
    if (history) await seedHistory(join(dir, 'data'), history);
    const started = await startServer(dir);
    proc = started.proc;
    const { url, startMs } = started;
    await new Promise((r) => setTimeout(r, 1000));
    const idle = rssOf(proc.pid);
    const http = client(url, workers);
    const tFill = performance.now();
    await fill(http, prefill);
    const fillMs = performance.now() - tFill;
    const filled = rssOf(proc.pid);

    const carry = new Array(workers).fill(undefined);
    const seen = new Set();
    const warm = { cycles: 0, reported: 0, empty: 0, non2xx: 0, errors: 0, duplicates: 0, seen };
    await cycle(http, performance.now() + warmupSeconds * 1000, warm, carry);
    const stats = { cycles: 0, reported: 0, empty: 0, non2xx: 0, errors: 0, duplicates: 0, seen, latencies: [] };
    const sc0 = cpuSeconds(proc.pid);
    const cc0 = process.cpuUsage();
    const t0 = performance.now();
    await cycle(http, t0 + seconds * 1000, stats, carry);
    const elapsed = (performance.now() - t0) / 1000;
    const serverCpuPct = Math.round(((cpuSeconds(proc.pid) - sc0) / elapsed) * 100);
    const cc = process.cpuUsage(cc0);
    const clientCpuPct = Math.round(((cc.user + cc.system) / 1e6 / elapsed) * 100);
    const mem = rssOf(proc.pid);

    // Hand the last leased tasks back as done (untimed), then check the server's counts.
    await Promise.all(carry.map((id, w) => id && http.post('/v1/queue/sms', { max: 0, tasks: [{ _id: id, status: 'done' }] }, { 'x-katar-worker': `bench-w${w}` })));
    const reportedTotal = warm.reported + stats.reported + carry.filter(Boolean).length;
    const health = await getJson(`${url}/healthz`);
    const counts = health.queues.sms;
    http.agent.destroy();
    proc.kill('SIGTERM');
    await new Promise((res) => proc.on('exit', res));

    const lat = stats.latencies.sort((a, b) => a - b);
    const pct = (p) => +lat[Math.min(lat.length - 1, Math.floor((lat.length - 1) * p))].toFixed(1);
    return {
      name, history, workers, seconds, prefill, fillMs: Math.round(fillMs),
      cyclesPerSecond: Math.round(stats.cycles / elapsed),
      requestsPerSecond: Math.round(lat.length / elapsed),
      p50Ms: pct(0.5), p99Ms: pct(0.99), maxMs: +lat[lat.length - 1].toFixed(1),
      emptyPolls: stats.empty + warm.empty, non2xx: stats.non2xx + warm.non2xx, errors: stats.errors + warm.errors, lastError: stats.lastError ?? warm.lastError,
      duplicateLeases: stats.duplicates + warm.duplicates,
      reportedDone: reportedTotal, serverDone: counts.done, serverInProgress: counts['in progress'], serverQueued: counts.queued,
      serverCpuPct, clientCpuPct,
      idleRssMb: idle.rssMb, filledRssMb: filled.rssMb, rssMb: mem.rssMb, peakRssMb: mem.peakMb, startToListenMs: startMs,
    };
  } finally {
    if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
for (const h of histories) results.push(await scenario(h ? `${h.toLocaleString('en')} finished tasks in history` : 'empty history', h));
const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memGb: Math.round(totalmem() / 2 ** 30), node: process.version, date: new Date().toISOString() };
console.log(JSON.stringify({ machine, results }, null, 2));
console.log(`\n| scenario | cycles/s | p50 ms | p99 ms | max ms | empty / non-2xx / errors | duplicate leases | reported done / server done | CPU % server / bench client | RSS MB idle / filled / after load (peak) |`);
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  console.log(`| ${r.name} | ${r.cyclesPerSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.maxMs} | ${r.emptyPolls} / ${r.non2xx} / ${r.errors} | ${r.duplicateLeases} | ${r.reportedDone} / ${r.serverDone - r.history} | ${r.serverCpuPct} / ${r.clientCpuPct} | ${r.idleRssMb} / ${r.filledRssMb} / ${r.rssMb} (${r.peakRssMb}) |`);
}
for (const r of results) if (r.emptyPolls) console.log(`\nwarning: ${r.name}: the queue ran dry (${r.emptyPolls} empty polls); raise --prefill`);
