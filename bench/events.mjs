// Events out: what webhooks and SSE clients cost the producer API, how soon a webhook
// hears of a send, and what a dead webhook endpoint with a large backlog holds.
// 1. durable sends/s (autocannon, --connections, --seconds) with no subscribers, with ten
//    SSE clients, with three webhooks (loopback receivers answering 200, every event
//    type), and with both; --rounds rounds of the four in turn, ratios of the means;
// 2. latency from a send's HTTP answer to the arrival of its sms.queued at each webhook
//    (and from the event's `time`), sends paced at about --rate per second, with the same
//    three webhooks and ten SSE clients, after 3 s of warm-up reported apart
//    (KATAR_BENCH_TRACE=1 prints each arrival's send time and latency to stderr);
// 3. a webhook whose endpoint refuses connections, then one that never answers, behind
//    --backlog events: gateway RSS against the same store served without webhooks.
// The receivers and SSE clients of 1 and the SSE clients of 2 run in a child process
// (`--sink`), so that they do not slow autocannon's event loop; the receivers of 2 run
// here, on the clock of the sends. Never run in CI: timings on shared machines vary.
// Usage: node bench/events.mjs [--seconds 10] [--connections 50] [--rounds 2] [--rate 200] [--backlog 100000] [--idle 20] [--parts throughput,latency,dead]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { rssOf, startServe } from './lib.mjs';

const root = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '2' },
    rate: { type: 'string', default: '200' },
    backlog: { type: 'string', default: '100000' },
    idle: { type: 'string', default: '20' },
    parts: { type: 'string', default: 'throughput,latency,dead' },
    sink: { type: 'boolean', default: false },
  },
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ALL_TYPES = ['sms.received', 'sms.queued', 'sms.sent', 'sms.failed', 'sms.cancelled', 'sms.delivered', 'sms.delivery_failed', 'modem.state'];
const SECRET = 'bench-webhook-secret-0123456789abcdef';
const hooks = (urls) => urls.map((url, i) => ({ name: `hook${i}`, url, events: ALL_TYPES, secret: SECRET }));

/** A webhook receiver on loopback answering 204; `onEvent(raw, arrivedAt)` sees each body. */
async function receiver(onEvent = () => undefined) {
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      onEvent(Buffer.concat(chunks), performance.now());
      res.writeHead(204).end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${server.address().port}/hook` };
}

/** An SSE client that counts frames (`id:` lines) and throws the bytes away. */
function sseClient(url, counts) {
  const req = request(`${url}/v1/events/stream`, { headers: { accept: 'text/event-stream' } }, (res) => {
    res.setEncoding('latin1');
    res.on('data', (s) => {
      for (let i = s.indexOf('\nid: '); i !== -1; i = s.indexOf('\nid: ', i + 1)) counts.frames++;
      if (s.startsWith('id: ')) counts.frames++;
    });
  });
  req.on('error', () => undefined);
  req.end();
  return req;
}

// The sink process: three receivers (URLs printed as the first line), then ten SSE
// clients on the gateway URL read from stdin; "report" prints the counts.
if (values.sink) {
  const counts = { webhook: 0, frames: 0 };
  const rs = await Promise.all([0, 1, 2].map(() => receiver(() => counts.webhook++)));
  console.log(JSON.stringify({ urls: rs.map((r) => r.url) }));
  const clients = [];
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.startsWith('attach ')) {
      for (let i = 0; i < 10; i++) clients.push(sseClient(line.slice(7), counts));
      console.log(JSON.stringify({ attached: clients.length }));
    } else if (line === 'report') console.log(JSON.stringify(counts));
  }
  for (const c of clients) c.destroy();
  for (const r of rs) r.server.close();
  process.exit(0);
}

const seconds = Number(values.seconds);
const connections = Number(values.connections);
const children = new Set();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

async function stop(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((res) => proc.on('exit', res));
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

/** `serve --modem none` on a fresh data dir with `extraConfig`; `fn(server, dir)`; then stopped and removed. */
async function withServer(extraConfig, fn, given) {
  const dir = given ?? mkdtempSync(join(tmpdir(), 'katar-events-'));
  let proc;
  try {
    // maxLiveTasks raised: with --modem none every send stays queued, and the default cap
    // (100,000) is reached within a run.
    const s = await startServe({ configDir: dir, dataDir: join(dir, 'data'), extraConfig: { maxLiveTasks: 10_000_000, ...extraConfig } });
    proc = s.proc;
    children.add(proc);
    return await fn(s, dir);
  } finally {
    if (proc) {
      await stop(proc);
      children.delete(proc);
    }
    if (!given) rmSync(dir, { recursive: true, force: true });
  }
}

function startSink() {
  const proc = spawn(process.execPath, [new URL(import.meta.url).pathname, '--sink'], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(proc);
  const lines = createInterface({ input: proc.stdout });
  const waiting = [];
  lines.on('line', (l) => waiting.shift()?.(JSON.parse(l)));
  const next = () => new Promise((r) => waiting.push(r));
  return {
    first: next(),
    ask: (line) => {
      const answer = next();
      proc.stdin.write(`${line}\n`);
      return answer;
    },
    close: async () => {
      proc.stdin.end();
      await new Promise((r) => proc.on('exit', r));
      children.delete(proc);
    },
  };
}

const sendBody = JSON.stringify({ to: '+61404341143', msg: 'benchmark message, one part' });
const cannon = (url, duration) => autocannon({ url: `${url}/v1/queue/sms/send`, method: 'POST', headers: { 'content-type': 'application/json' }, body: sendBody, connections, duration });
const getJson = async (url) => (await fetch(url)).json();

// 1. Throughput without and with subscribers.
const SCENARIOS = { none: { sse: false, webhooks: false }, sse: { sse: true, webhooks: false }, webhooks: { sse: false, webhooks: true }, both: { sse: true, webhooks: true } };
async function throughput({ sse, webhooks }) {
  const sink = startSink();
  try {
    const urls = (await sink.first).urls;
    return await withServer({ webhooks: webhooks ? hooks(urls) : [] }, async ({ url }) => {
      if (sse) await sink.ask(`attach ${url}`);
      await sleep(500);
      await cannon(url, 2); // warm-up
      const r = await cannon(url, seconds);
      const out = { sendsPerSecond: Math.round(r['2xx'] / seconds), p50Ms: r.latency.p50, p99Ms: r.latency.p99, non2xx: r.non2xx + r.errors };
      const counts = await sink.ask('report');
      const state = (await getJson(`${url}/v1/webhooks`)).webhooks;
      if (sse) out.sseFramesReceived = counts.frames;
      if (webhooks) Object.assign(out, { events: state[0].cursor + state[0].backlog, webhookPostsReceived: counts.webhook, webhookBacklogAtEnd: state.map((w) => w.backlog) });
      return out;
    });
  } finally {
    await sink.close();
  }
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const stats = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return { n: s.length, p50: +pct(s, 50).toFixed(1), p99: +pct(s, 99).toFixed(1), max: +s.at(-1).toFixed(1) };
};

// 2. Latency from the send's answer to the webhook's arrival of its sms.queued.
async function latency(rate) {
  const answered = new Map(); // task id -> performance.now() of the HTTP answer
  const arrivals = [[], [], []]; // per receiver: { id, at (performance.now), wall, time (the event's) }
  const rs = await Promise.all(
    [0, 1, 2].map((k) =>
      receiver((raw, at) => {
        const ev = JSON.parse(raw.toString('utf8'));
        if (ev.type === 'sms.queued') arrivals[k].push({ id: ev.data._id, at, wall: Date.now(), time: Date.parse(ev.time) });
      }),
    ),
  );
  const sink = startSink();
  await sink.first;
  try {
    return await withServer({ webhooks: hooks(rs.map((r) => r.url)) }, async ({ url }) => {
      await sink.ask(`attach ${url}`);
      await sleep(500);
      // Paced sends for `ms`; then waits until every receiver had the sms.queued of each.
      const pacedSends = async (ms) => {
        const users = 10;
        const pause = (1000 * users) / rate;
        const end = performance.now() + ms;
        await Promise.all(
          Array.from({ length: users }, async (_, u) => {
            await sleep((u * pause) / users);
            while (performance.now() < end) {
              const t0 = performance.now();
              const res = await fetch(`${url}/v1/queue/sms/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: sendBody });
              const body = await res.json();
              answered.set(body._id, performance.now());
              await sleep(Math.max(0, pause - (performance.now() - t0)));
            }
          }),
        );
        for (let waited = 0; arrivals.some((a) => a.length < answered.size) && waited < 30_000; waited += 50) await sleep(50);
      };
      // Warm-up: the first deliveries after a start take a few hundred ms more (the HTTP
      // client is loaded on the first POST, the code is not optimised yet); measured apart.
      const warmStart = performance.now();
      await pacedSends(3000);
      const warmUp = { firstSends: answered.size, caughtUpMs: Math.round(performance.now() - warmStart), firstArrivalMs: stats(arrivals[0].map((x) => x.at - answered.get(x.id))) };
      answered.clear();
      for (const a of arrivals) a.length = 0;
      const t0 = performance.now();
      await pacedSends(seconds * 1000);
      const fromAnswer = [];
      const fromTime = [];
      for (const list of arrivals) {
        for (const a of list) {
          const t = answered.get(a.id);
          if (t !== undefined) {
            fromAnswer.push(a.at - t);
            if (process.env.KATAR_BENCH_TRACE) console.error(`trace ${(t - t0).toFixed(0)} ${(a.at - t).toFixed(1)}`);
          }
          fromTime.push(a.wall - a.time);
        }
      }
      return { warmUp, sends: answered.size, sendsPerSecond: Math.round(answered.size / seconds), arrivals: arrivals.map((a) => a.length), fromAnswerMs: stats(fromAnswer), fromEventTimeMs: stats(fromTime) };
    });
  } finally {
    await sink.close();
    for (const r of rs) r.server.close();
  }
}

// 3. A dead endpoint behind a backlog.
async function seedEvents(dataDir, n) {
  const { FileStore } = await import(join(root, 'dist/src/queue/store/file-store.js'));
  const store = await FileStore.open(dataDir);
  const t0 = Date.now() - 3_600_000;
  for (let i = 1; i <= n; i++) {
    const at = new Date(t0 + i).toISOString();
    const task = { _id: `seed${String(i).padStart(10, '0')}`, queue: 'sms', seq: i, data: { to: '+61404341143', msg: `backlog message number ${i}` }, status: 'queued', priority: 0, parts: 1, createdAt: at, updatedAt: at, attempts: [] };
    store.addEvent('sms.queued', task, 'sms', at);
    if (i % 5000 === 0) await store.commit();
  }
  await store.commit();
  await store.close();
}

/** RSS each second over `--idle` s: the last and the largest. */
async function rssOver(pid) {
  const rss = [];
  for (let i = 0; i < Number(values.idle); i++) {
    await sleep(1000);
    rss.push(rssOf(pid).rssMb);
  }
  return { endMb: rss.at(-1), maxMb: Math.max(...rss) };
}

async function deadEndpoint(backlog) {
  // A port that refuses connections: listened on once, then closed.
  const probe = createServer();
  await new Promise((r) => probe.listen(0, '127.0.0.1', r));
  const refused = `http://127.0.0.1:${probe.address().port}/hook`;
  await new Promise((r) => probe.close(r));
  // An endpoint that accepts and never answers.
  const silent = createServer(() => undefined);
  await new Promise((r) => silent.listen(0, '127.0.0.1', r));
  const hanging = `http://127.0.0.1:${silent.address().port}/hook`;
  const dir = mkdtempSync(join(tmpdir(), 'katar-events-dead-'));
  const dead = [
    { ...hooks([refused])[0], name: 'refused' },
    { ...hooks([hanging])[0], name: 'hanging', timeoutMs: 1000 },
  ];
  try {
    const emptyIdle = await withServer({}, async ({ proc }) => rssOver(proc.pid), dir);
    // Each subscription starts after the newest event at its first start: start them on the empty log.
    await withServer({ webhooks: dead }, async () => sleep(500), dir);
    await seedEvents(join(dir, 'data'), backlog);
    const noWebhooks = await withServer({}, async ({ proc }) => rssOver(proc.pid), dir);
    const withDead = await withServer({ webhooks: dead }, async ({ proc, url }) => {
      const r = await rssOver(proc.pid);
      const state = (await getJson(`${url}/v1/webhooks`)).webhooks.map((w) => ({ name: w.name, backlog: w.backlog, failedAttempts: w.failedAttempts, lastError: w.lastError }));
      return { ...r, webhooks: state };
    }, dir);
    return { backlog, emptyStoreIdle: emptyIdle, backlogNoWebhooks: noWebhooks, backlogDeadWebhooks: withDead, deltaMb: withDead.maxMb - noWebhooks.maxMb };
  } finally {
    silent.closeAllConnections();
    silent.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const parts = new Set(values.parts.split(','));
const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memGb: Math.round(totalmem() / 2 ** 30), node: process.version, date: new Date().toISOString() };
const report = { machine };
const mean = (xs) => Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);
if (parts.has('throughput')) {
  const runs = Object.fromEntries(Object.keys(SCENARIOS).map((k) => [k, []]));
  for (let i = 0; i < Number(values.rounds); i++) for (const [k, sc] of Object.entries(SCENARIOS)) runs[k].push(await throughput(sc));
  const means = Object.fromEntries(Object.entries(runs).map(([k, rs]) => [k, mean(rs.map((r) => r.sendsPerSecond))]));
  report.throughput = { runs, means, ratios: Object.fromEntries(Object.entries(means).map(([k, m]) => [k, +(m / means.none).toFixed(2)])) };
}
if (parts.has('latency')) report.latency = await latency(Number(values.rate));
if (parts.has('dead')) report.deadEndpoint = await deadEndpoint(Number(values.backlog));
console.log(JSON.stringify(report, null, 2));
if (report.throughput) {
  const { runs, means, ratios } = report.throughput;
  console.log('\n| subscribers | sends/s (each round) | mean | ratio to none (target ≥ 0.9 for both) | p99 ms |');
  console.log('|---|---|---|---|---|');
  for (const k of Object.keys(SCENARIOS)) console.log(`| ${k} | ${runs[k].map((r) => r.sendsPerSecond).join(', ')} | ${means[k]} | ${ratios[k]} | ${runs[k].map((r) => r.p99Ms).join(', ')} |`);
}
const lat = report.latency;
if (lat) console.log(`\nlatency at ${lat.sendsPerSecond} sends/s, answer → webhook: p50 ${lat.fromAnswerMs.p50} ms, p99 ${lat.fromAnswerMs.p99} ms (targets 10 / 50); event time → webhook: p50 ${lat.fromEventTimeMs.p50} ms, p99 ${lat.fromEventTimeMs.p99} ms`);
const dead = report.deadEndpoint;
if (dead) console.log(`dead endpoints, ${dead.backlog} events behind: RSS ${dead.backlogDeadWebhooks.maxMb} MB vs ${dead.backlogNoWebhooks.maxMb} MB without webhooks (+${dead.deltaMb} MB, target ≤ 20); empty store idle ${dead.emptyStoreIdle.maxMb} MB`);
