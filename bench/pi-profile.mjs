// The gateway on one core, as on a small Pi: `katar-sms serve` on the built-in simulated
// modem pinned to core 0 (taskset -c 0), this script and its load generator pinned to
// core 1, with --history finished tasks seeded into the data dir. It reports:
// - start-up: spawn to the "listening" line and to GET /readyz 200 (--starts runs);
// - the first POST /send right after /readyz said ready, and the second one, in each of
//   those runs; for both, the time from the answer to the SMS reaching the simulated modem
//   (its sent list; the modem's own 100 ms per SMS included);
// - the client's own first-request cost, apart: before any gateway starts, the same POST
//   against a stub server in this process (fetch's first request compiles undici);
// - idle RSS over --idle s after a start (no send yet), sampled every second, with the
//   samples at 1 s and at 60 s apart ("right after the start", "after a minute");
// - warm send latency: the median of sequential sends after --warm sends (the modem busy
//   with the sends before), and of sends 300 ms apart (the modem idle, as for the first
//   sends of a start: the built-in worker takes each task beside its answer);
// - sustained sends/s: autocannon on /send for --load s at --connections, the simulated
//   modem draining meanwhile (100 ms per SMS, so the queue grows).
// Usage: node bench/pi-profile.mjs [--history 100000] [--starts 5] [--idle 65] [--warm 200] [--load 10] [--connections 10]
//        [--node-args "--optimize-for-size"]   (node flags after the product's own, to compare)
//        [--sent-parts]   (the seeded tasks carry a sent part each, as the built-in worker leaves
//                          them, finished over the last 12 hours: the delivery book reads them
//                          all back at every start; without it they carry none, all finished
//                          a day ago)
// Needs taskset (util-linux) and two cores; never run in CI.
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { PRODUCT_NODE_ARGS, cpuSeconds, listeningUrl, rssOf, seedHistory } from './lib.mjs';

const { values } = parseArgs({
  options: {
    history: { type: 'string', default: '100000' },
    starts: { type: 'string', default: '5' },
    idle: { type: 'string', default: '65' },
    warm: { type: 'string', default: '200' },
    load: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    'server-core': { type: 'string', default: '0' },
    'bench-core': { type: 'string', default: '1' },
    'node-args': { type: 'string', default: '' },
    'sent-parts': { type: 'boolean', default: false },
  },
});
const history = Number(values.history);
const starts = Number(values.starts);
const idleSeconds = Number(values.idle);
const warmSends = Number(values.warm);
const loadSeconds = Number(values.load);
const connections = Number(values.connections);
const serverCore = values['server-core'];
const nodeArgs = [...PRODUCT_NODE_ARGS, ...values['node-args'].split(/\s+/).filter(Boolean)];

const root = new URL('..', import.meta.url).pathname;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor((a.length - 1) / 2)];
const round = (n, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

// Every thread of this process (libuv's pool, V8's helpers) on the benchmark's core.
execFileSync('taskset', ['-a', '-cp', values['bench-core'], String(process.pid)], { stdio: 'ignore' });

const children = new Set();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

const dir = mkdtempSync(join(tmpdir(), 'katar-pi-'));
const dataDir = join(dir, 'data');
const config = join(dir, 'bench-config.json');
// The producer rate limit is a safeguard, not the subject here.
writeFileSync(config, JSON.stringify({ rateLimit: { max: 10_000_000, windowMs: 1000 }, logLevel: 'info', logFormat: 'json' }));

/** `n` finished tasks with one sent part each (a status report still possible), finished over the last 12 hours. */
async function seedSentHistory(dir, n) {
  const { FileStore } = await import(join(root, 'dist/src/queue/store/file-store.js'));
  const store = await FileStore.open(dir);
  const t0 = Date.now() - 12 * 3_600_000;
  for (let i = 1; i <= n; i++) {
    const at = new Date(t0 + Math.floor((i * 12 * 3_600_000) / n) - 60_000).toISOString();
    const part = { reference: i & 0xff, modem: 'modem0:001010000000001', epoch: 0, sentAt: at, status: i % 10 ? 'delivered' : 'pending' };
    store.finish({
      _id: `seed${String(i).padStart(10, '0')}`, queue: 'sms', seq: i, data: { to: '+61404341143', msg: `history message number ${i}` },
      status: 'done', priority: 0, parts: 1, createdAt: at, updatedAt: at, finishedAt: at,
      attempts: [{ n: 1, worker: 'builtin:modem0', startedAt: at, endedAt: at, outcome: 'done' }],
      delivery: { status: part.status, references: [part.reference], parts: [part], updatedAt: at },
    });
    if (i % 10_000 === 0) await store.commit();
  }
  await store.close();
}

/** Starts the gateway on the server core; resolves with the times to "listening" and to /readyz 200. */
async function start() {
  const t0 = performance.now();
  const args = [...nodeArgs, join(root, 'dist/src/cli/main.js'), 'serve', '--port', '0', '--data-dir', dataDir, '--config', config];
  const proc = spawn('taskset', ['-c', serverCore, process.execPath, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(proc);
  proc.on('exit', () => children.delete(proc));
  const control = simControlUrl(proc);
  const url = await listeningUrl(proc);
  const listenMs = performance.now() - t0;
  let readyMs = NaN;
  for (const deadline = performance.now() + 60_000; performance.now() < deadline; await sleep(5)) {
    // The body is read so that the connection goes back to the client's pool: the first
    // send then measures the gateway, not the opening of a new connection.
    const status = await fetch(`${url}/readyz`).then(async (r) => (await r.arrayBuffer(), r.status)).catch(() => 0);
    if (status === 200) {
      readyMs = performance.now() - t0;
      break;
    }
  }
  return { proc, url, control: await control, listenMs, readyMs };
}

/** The simulated modem's control API URL, from the start-up log. */
function simControlUrl(proc) {
  let out = '';
  return new Promise((resolve) => {
    proc.stdout.on('data', (b) => {
      if (out.length < 1e6) out += b;
      const m = /simulated modem control API on (http:\/\/[^"\s:]+:\d+)/.exec(out);
      if (m) resolve(m[1]);
    });
    proc.on('exit', () => resolve(undefined));
  });
}

async function stop(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((res) => proc.on('exit', res));
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(t);
}

const body = JSON.stringify({ to: '+61404341143', msg: 'benchmark message, one part' });
/** One POST /send; its latency in ms as this client sees it. */
async function sendOnce(url, payload = body) {
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/queue/sms/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`send answered ${res.status}`);
  return performance.now() - t0;
}

/**
 * One send of a unique text; resolves with its latency and the time from its answer to
 * the simulated modem's record of it (which comes after the modem's own latency per SMS).
 */
async function sendToModem(url, control, text) {
  const ms = await sendOnce(url, JSON.stringify({ to: '+61404341143', msg: text }));
  const answered = Date.now();
  for (const deadline = answered + 10_000; Date.now() < deadline; await sleep(2)) {
    const { messages } = await fetch(`${control}/sent`).then((r) => r.json());
    const m = messages.find((s) => s.text === text);
    if (m) return { ms, toModemMs: new Date(m.parts[0].at).getTime() - answered };
  }
  return { ms, toModemMs: NaN };
}

/** The client's own first POST (and a later one) against a stub server in this process: what the bench's fetch adds on its first request. */
async function clientCost() {
  const stub = createServer((req, res) => req.resume().on('end', () => res.writeHead(201, { 'content-type': 'application/json' }).end('{}')));
  await new Promise((r) => stub.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${stub.address().port}`;
  const first = await sendOnce(url);
  const later = [];
  for (let i = 0; i < 20; i++) later.push(await sendOnce(url));
  await new Promise((r) => stub.close(r));
  return { firstMs: round(first), laterMedianMs: round(median(later), 2) };
}

async function idleWindow(pid, seconds) {
  const rss = [];
  const c0 = cpuSeconds(pid);
  for (let i = 0; i < seconds; i++) {
    await sleep(1000);
    rss.push(rssOf(pid).rssMb);
  }
  const settled = rss.at(-1);
  const at = (s) => rss[Math.min(s, rss.length) - 1];
  // The first second from which the RSS stayed within 2 MB of where it ended.
  let settledAfter = rss.length;
  while (settledAfter > 0 && Math.abs(rss[settledAfter - 1] - settled) <= 2) settledAfter--;
  return { seconds, cpuPct: round(((cpuSeconds(pid) - c0) / seconds) * 100, 2), rssMb: { at1s: at(1), at60s: at(60), min: Math.min(...rss), max: Math.max(...rss), settled, settledAfterS: settledAfter + 1 } };
}

try {
  const client = await clientCost();
  const tSeed = performance.now();
  if (history) await (values['sent-parts'] ? seedSentHistory(dataDir, history) : seedHistory(dataDir, history));
  const seedMs = performance.now() - tSeed;

  // 1. start-up and the first send, --starts times (the history stays as seeded: no send
  //    is left in the queue, each run's single task is finished by the modem before the stop)
  const runs = [];
  for (let i = 0; i < starts; i++) {
    const s = await start();
    const first = await sendToModem(s.url, s.control, `first send after start ${i}`);
    await sleep(300);
    const second = await sendToModem(s.url, s.control, `second send after start ${i}`);
    runs.push({ listenMs: Math.round(s.listenMs), readyMs: Math.round(s.readyMs), firstSendMs: round(first.ms), secondSendMs: round(second.ms), firstToModemMs: first.toModemMs, secondToModemMs: second.toModemMs, rssAfterMb: rssOf(s.proc.pid).rssMb });
    await sleep(500);
    await stop(s.proc);
  }

  // 2. idle, warm latency, sustained load in one more run
  const s = await start();
  const idle = await idleWindow(s.proc.pid, idleSeconds);
  const firstAfterIdleMs = await sendOnce(s.url);
  for (let i = 0; i < warmSends; i++) await sendOnce(s.url);
  const warm = [];
  for (let i = 0; i < 50; i++) warm.push(await sendOnce(s.url));
  const rssWarm = rssOf(s.proc.pid);
  // Warm sends as the first and second of a start meet the gateway: the modem idle, so
  // that the built-in worker takes each task at once, beside the answer (the sequential
  // sends above found it busy with the ones before). The backlog drains first.
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(200)) {
    const c = await fetch(`${s.url}/v1/queue/sms/counts`).then((r) => r.json());
    if (c.queued === 0 && c.inProgress === 0) break;
  }
  const warmIdleModem = [];
  for (let i = 0; i < 20; i++) {
    await sleep(300);
    warmIdleModem.push(await sendOnce(s.url));
  }
  const c0 = cpuSeconds(s.proc.pid);
  const r = await autocannon({ url: `${s.url}/v1/queue/sms/send`, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections, duration: loadSeconds });
  const loadCpuPct = ((cpuSeconds(s.proc.pid) - c0) / loadSeconds) * 100;
  const rssLoad = rssOf(s.proc.pid);
  await stop(s.proc);

  const result = {
    nodeArgs,
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memGb: Math.round(totalmem() / 2 ** 30), node: process.version, date: new Date().toISOString(), serverCore, benchCore: values['bench-core'] },
    history,
    sentParts: values['sent-parts'],
    seedSeconds: round(seedMs / 1000),
    starts: runs,
    startup: { listenMedianMs: Math.round(median(runs.map((x) => x.listenMs))), readyMedianMs: Math.round(median(runs.map((x) => x.readyMs))), readyMaxMs: Math.max(...runs.map((x) => x.readyMs)) },
    client,
    firstSend: {
      medianMs: round(median(runs.map((x) => x.firstSendMs))), maxMs: round(Math.max(...runs.map((x) => x.firstSendMs))), secondMedianMs: round(median(runs.map((x) => x.secondSendMs))), afterIdleMs: round(firstAfterIdleMs),
      toModemMedianMs: median(runs.map((x) => x.firstToModemMs)), secondToModemMedianMs: median(runs.map((x) => x.secondToModemMs)),
    },
    warmSend: { afterSends: warmSends, medianMs: round(median(warm)), p90Ms: round([...warm].sort((a, b) => a - b)[44]), modemIdleMedianMs: round(median(warmIdleModem)), modemIdleP90Ms: round([...warmIdleModem].sort((a, b) => a - b)[17]) },
    idle,
    rssAfterWarmMb: rssWarm.rssMb,
    load: { seconds: loadSeconds, connections, sendsPerSecond: Math.round(r['2xx'] / loadSeconds), p50Ms: r.latency.p50, p99Ms: r.latency.p99, non2xx: r.non2xx, errors: r.errors, cpuPct: Math.round(loadCpuPct), rssMb: rssLoad.rssMb, peakMb: rssLoad.peakMb },
  };
  console.log(JSON.stringify(result, null, 2));
  const h = history.toLocaleString('en');
  const f = (ms) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`\n| measure (serve on the simulated modem, core ${serverCore}; ${h} finished tasks${values['sent-parts'] ? ', a sent part each' : ''}; node ${nodeArgs.join(' ')}) | result |`);
  console.log('|---|---|');
  console.log(`| start-up to "listening" (median of ${starts}) | ${f(result.startup.listenMedianMs)} |`);
  console.log(`| start-up to /readyz 200 (median of ${starts}; max) | ${f(result.startup.readyMedianMs)}; ${f(result.startup.readyMaxMs)} |`);
  console.log(`| first send right after ready (median of ${starts}; max) / the second one | ${result.firstSend.medianMs} ms; ${result.firstSend.maxMs} ms / ${result.firstSend.secondMedianMs} ms |`);
  console.log(`| answer to the SMS at the simulated modem (its 100 ms included; median): first send / second | ${result.firstSend.toModemMedianMs} ms / ${result.firstSend.secondToModemMedianMs} ms |`);
  console.log(`| the client's own first POST / later ones (stub server in the bench process) | ${client.firstMs} ms / ${client.laterMedianMs} ms |`);
  console.log(`| first send after ${idleSeconds} s idle | ${result.firstSend.afterIdleMs} ms |`);
  console.log(`| RSS after ${warmSends + 51} sequential sends | ${result.rssAfterWarmMb} MB |`);
  console.log(`| warm send, sequential (median; p90 of 50, after ${warmSends}) | ${result.warmSend.medianMs} ms; ${result.warmSend.p90Ms} ms |`);
  console.log(`| warm send, the modem idle as for the first sends (300 ms apart; median; p90 of 20) | ${result.warmSend.modemIdleMedianMs} ms; ${result.warmSend.modemIdleP90Ms} ms |`);
  console.log(`| idle RSS: 1 s after ready; at 60 s; max; settled (from ${idle.rssMb.settledAfterS} s on, of ${idleSeconds} s); idle CPU | ${idle.rssMb.at1s} MB; ${idle.rssMb.at60s} MB; ${idle.rssMb.max} MB; ${idle.rssMb.settled} MB; ${idle.cpuPct} % |`);
  console.log(`| sustained sends/s (${connections} connections, ${loadSeconds} s; p50 / p99) | ${result.load.sendsPerSecond}/s (${result.load.p50Ms} / ${result.load.p99Ms} ms), CPU ${result.load.cpuPct} %, RSS ${result.load.rssMb} MB |`);
} finally {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
