// Resources of `katar-sms serve` with the built-in simulated modem:
// - start-up: spawn to the "katar-sms listening on" log line, and to /healthz showing the
//   modem `ready` (empty store, --starts runs);
// - idle CPU (utime+stime from /proc/<pid>/stat, as % of one core) and RSS over --idle s;
// - RSS under load: autocannon on /send for --load s at --connections while the simulated
//   modem drains (100 ms per SMS, so the queue grows);
// - idle CPU and RSS with --history finished tasks stored (seeded as queue-api.mjs does).
// Usage: node bench/resources.mjs [--modem sim] [--idle 30] [--load 10] [--connections 50] [--history 100000] [--starts 5]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { cpuSeconds, rssOf, seedHistory, startServe } from './lib.mjs';

const { values } = parseArgs({
  options: {
    modem: { type: 'string', default: 'sim' },
    idle: { type: 'string', default: '30' },
    load: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    history: { type: 'string', default: '100000' },
    'history-idle': { type: 'string', default: '10' },
    starts: { type: 'string', default: '5' },
  },
});
const idleSeconds = Number(values.idle);
const loadSeconds = Number(values.load);
const connections = Number(values.connections);
const history = Number(values.history);
const historyIdleSeconds = Number(values['history-idle']);
const starts = Number(values.starts);





const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const children = new Set();
process.on('exit', () => { for (const c of children) c.kill('SIGKILL'); });

/** Starts `serve`; resolves with the times to the listening line and to a ready modem. */
async function startServer(dir) {
  const t0 = performance.now();
  const { proc, url } = await startServe({ configDir: dir, dataDir: join(dir, 'data'), modem: values.modem });
  children.add(proc);
  proc.on('exit', () => children.delete(proc));
  const listenMs = performance.now() - t0;
  let readyMs = NaN;
  for (const deadline = performance.now() + 30_000; performance.now() < deadline; await sleep(5)) {
    const h = await fetch(`${url}/healthz`).then((r) => r.json()).catch(() => undefined);
    if (values.modem === 'none' || (h?.modems?.length && h.modems.every((m) => m.state === 'ready'))) {
      readyMs = performance.now() - t0;
      break;
    }
  }
  return { proc, url, listenMs, readyMs };
}

async function stop(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((res) => proc.on('exit', res));
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

/** CPU as % of one core and RSS (sampled each second) over `seconds` of idle. */
async function idleWindow(pid, seconds) {
  const rss = [];
  const c0 = cpuSeconds(pid);
  const t0 = performance.now();
  for (let i = 0; i < seconds; i++) {
    await sleep(1000);
    rss.push(rssOf(pid).rssMb);
  }
  const cpuPct = ((cpuSeconds(pid) - c0) / ((performance.now() - t0) / 1000)) * 100;
  return { seconds, cpuPct: +cpuPct.toFixed(2), rssMb: { min: Math.min(...rss), max: Math.max(...rss), end: rss.at(-1) } };
}

async function withServer(seed, fn) {
  const dir = mkdtempSync(join(tmpdir(), 'katar-res-'));
  let proc;
  try {
    if (seed) await seedHistory(join(dir, 'data'), seed);
    const s = await startServer(dir);
    proc = s.proc;
    const out = await fn(s);
    await stop(proc);
    return out;
  } finally {
    if (proc) await stop(proc);
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor((a.length - 1) / 2)];

// 1. start-up, empty store
const startups = [];
for (let i = 0; i < starts; i++) startups.push(await withServer(0, async (s) => ({ listenMs: s.listenMs, readyMs: s.readyMs })));

// 2. idle, then load while the simulated modem drains
const { idle, load } = await withServer(0, async ({ proc, url }) => {
  await sleep(2000); // let start-up work settle
  const idle = await idleWindow(proc.pid, idleSeconds);
  const samples = [];
  const sampler = setInterval(() => samples.push(rssOf(proc.pid).rssMb), 250);
  const c0 = cpuSeconds(proc.pid);
  const body = JSON.stringify({ to: '+61404341143', msg: 'benchmark message, one part' });
  const r = await autocannon({ url: `${url}/v1/queue/sms/send`, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections, duration: loadSeconds });
  const cpuPct = ((cpuSeconds(proc.pid) - c0) / loadSeconds) * 100;
  clearInterval(sampler);
  const after = rssOf(proc.pid);
  const health = await fetch(`${url}/healthz`).then((x) => x.json());
  await sleep(5000);
  const settled = rssOf(proc.pid).rssMb;
  return {
    idle,
    load: {
      seconds: loadSeconds, connections, sendsPerSecond: Math.round(r['2xx'] / loadSeconds), p50Ms: r.latency.p50, p99Ms: r.latency.p99, non2xx: r.non2xx, errors: r.errors,
      cpuPct: Math.round(cpuPct), rssMaxMb: Math.max(...samples, after.rssMb), rssEndMb: after.rssMb, peakMb: after.peakMb, rss5sAfterMb: settled,
      sentByModemDuringLoad: health.queues.sms.done, queuedAtEnd: health.queues.sms.queued,
    },
  };
});

// 3. idle with finished tasks in history
const stored = history ? await withServer(history, async ({ proc, listenMs, readyMs }) => {
  await sleep(2000);
  const w = await idleWindow(proc.pid, historyIdleSeconds);
  return { history, listenMs: Math.round(listenMs), readyMs: Math.round(readyMs), ...w, peakMb: rssOf(proc.pid).peakMb };
}) : undefined;

const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memGb: Math.round(totalmem() / 2 ** 30), node: process.version, date: new Date().toISOString() };
const result = {
  machine, modem: values.modem,
  startup: { runs: startups.map((s) => ({ listenMs: Math.round(s.listenMs), readyMs: Math.round(s.readyMs) })), listenMedianMs: Math.round(median(startups.map((s) => s.listenMs))), readyMedianMs: Math.round(median(startups.map((s) => s.readyMs))) },
  idle, load, stored,
};
console.log(JSON.stringify(result, null, 2));
const f = (ms) => `${(ms / 1000).toFixed(2)} s`;
console.log(`\n| measure (serve --modem ${values.modem}) | result |`);
console.log('|---|---|');
console.log(`| start-up to "listening" (median of ${starts}; max) | ${f(result.startup.listenMedianMs)}; ${f(Math.max(...result.startup.runs.map((r) => r.listenMs)))} |`);
console.log(`| start-up to /healthz modem ready (median of ${starts}; max) | ${f(result.startup.readyMedianMs)}; ${f(Math.max(...result.startup.runs.map((r) => r.readyMs)))} |`);
console.log(`| idle CPU over ${idle.seconds} s (% of one core) | ${idle.cpuPct} % |`);
console.log(`| idle RSS (min–max over ${idle.seconds} s) | ${idle.rssMb.min}–${idle.rssMb.max} MB |`);
console.log(`| RSS under load (${load.seconds} s, ${load.connections} connections on /send, ${load.sendsPerSecond} sends/s, p99 ${load.p99Ms} ms; modem draining) | max ${load.rssMaxMb} MB, end ${load.rssEndMb} MB, 5 s later ${load.rss5sAfterMb} MB; CPU ${load.cpuPct} % |`);
if (stored) {
  console.log(`| idle with ${history.toLocaleString('en')} finished tasks: CPU over ${stored.seconds} s | ${stored.cpuPct} % |`);
  console.log(`| idle RSS with ${history.toLocaleString('en')} finished tasks (min–max; peak) | ${stored.rssMb.min}–${stored.rssMb.max} MB; ${stored.peakMb} MB |`);
  console.log(`| start-up with ${history.toLocaleString('en')} finished tasks: to "listening" / to modem ready | ${f(stored.listenMs)} / ${f(stored.readyMs)} |`);
}
process.exit(0);
