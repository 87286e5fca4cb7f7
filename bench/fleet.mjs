// A fleet on PostgreSQL: gateways (`katar-sms serve`, the built dist) sharing one queue
// in a throwaway local PostgreSQL cluster (scripts/pg-cluster.mjs: fsync and
// synchronous_commit on), measured over HTTP. Each part gets a fresh database.
// 1. one box (--modem none): durable sends/s (autocannon, --connections, --seconds after
//    2 s of warm-up, `POST /v1/queue/sms/send`), p50/p99 of the acknowledgement;
// 2. three boxes on one database, each loaded by its own --connections: aggregate sends/s;
// 3. claim on another box: box A has no modem, box B an idle simulated one (0 ms per
//    SMS); a send posted to A, from its HTTP answer to B's simulator recording the SMS
//    (GET /sent of its control API: `at` is stamped when the PDU after AT+CMGS is taken,
//    so the figure is an upper bound of the time to AT+CMGS), --samples sends, p50/p90;
// 4. claims against history: the same send → SMS on one idle box with a simulated modem
//    (posted to that box), and the lease transaction of the queue itself (dist PgQueue in
//    this process: add one task, time `lease`), with an empty history and then with
//    --history finished tasks (inserted by SQL, generate_series, in the shape of the
//    tasks table, then VACUUM ANALYZE and CHECKPOINT), --samples each;
// 5. (--parts deep) `waitForWork`/`nextPriority` on a queue holding --deep queued tasks
//    that no worker may take (routed to a modem that does not exist): microseconds per call.
// Prints a table and, last, one JSON line. Never run in CI: timings on shared machines vary.
// Where the time goes: --cpu-prof DIR writes a V8 CPU profile of each box into DIR (open
// in Chrome DevTools); --pg-stats prints each part's statements with the most database
// time (pg_stat_statements, loaded into the bench cluster for it).
// Usage: npm run build && node bench/fleet.mjs [--seconds 10] [--connections 32] [--samples 30]
//        [--history 1000000] [--pool 10] [--deep 100000] [--parts one,three,wake,claim,deep]
//        [--cpu-prof DIR] [--pg-stats]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { startServe } from './lib.mjs';
import { freePort, startCluster } from '../scripts/pg-cluster.mjs';

const root = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    samples: { type: 'string', default: '30' },
    history: { type: 'string', default: '1000000' },
    pool: { type: 'string', default: '' },
    deep: { type: 'string', default: '100000' },
    parts: { type: 'string', default: 'one,three,wake,claim' },
    'cpu-prof': { type: 'string', default: '' },
    'pg-stats': { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const samples = Number(values.samples);
const history = Number(values.history);
const deep = Number(values.deep);
const parts = new Set(values.parts.split(','));
for (const [k, v] of Object.entries({ seconds, connections, samples, history, deep })) if (!Number.isInteger(v) || v < 0) throw new Error(`--${k}: a non-negative integer, got "${values[k]}"`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const SEND_BODY = JSON.stringify({ to: '+61404341143', msg: 'benchmark message, one part' });
const pct = (sorted, p) => +sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))].toFixed(1);
const summary = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50Ms: pct(s, 50), p90Ms: pct(s, 90), maxMs: +s.at(-1).toFixed(1) };
};
const say = (m) => process.stderr.write(`${m}\n`);

const cluster = await startCluster(values['pg-stats'] ? { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all' } : {});
const admin = new pg.Client({ connectionString: cluster.url });
await admin.connect();
const cpuProf = values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] : [];
const boxes = [];

/** A fresh database of its own for a part. */
async function database(name) {
  await admin.query(`CREATE DATABASE ${name}`);
  if (values['pg-stats']) await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()');
  return cluster.urlOf(name);
}

/** --pg-stats: the statements of the part just run with the most database time (stderr). */
async function statementStats(label) {
  if (!values['pg-stats']) return;
  const { rows } = await admin.query(
    `SELECT calls, round(total_exec_time::numeric, 0) AS total_ms, round(mean_exec_time::numeric, 3) AS mean_ms, rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) AS query
     FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 15`,
  );
  say(`statements of ${label}, most database time first:`);
  for (const r of rows) say(`  ${String(r.total_ms).padStart(7)} ms ${String(r.calls).padStart(7)} calls ${String(r.mean_ms).padStart(8)} ms/call ${String(r.rows).padStart(8)} rows  ${r.query}`);
}

/** `katar-sms serve` on `url`'s queue; `sim`: with an idle simulated modem (0 ms per SMS) and its control API. */
async function box(url, { sim = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'katar-fleet-'));
  const control = sim ? await freePort() : undefined;
  const store = { kind: 'postgres', url, ...(values.pool && { poolSize: Number(values.pool) }) };
  const modems = sim ? [{ name: 'modem0', path: 'sim', simSendLatencyMs: 0, simControlPort: control, statusReports: false }] : [];
  const { proc, url: http } = await startServe({ configDir: dir, dataDir: join(dir, 'data'), modem: sim ? 'sim' : 'none', extraConfig: { store, modems }, nodeArgs: cpuProf });
  const b = { proc, url: http, dir, control: control && `http://127.0.0.1:${control}` };
  boxes.push(b);
  if (sim) await modemReady(b);
  return b;
}

async function modemReady(b) {
  const t0 = Date.now();
  for (;;) {
    const { modems } = await (await fetch(`${b.url}/v1/modems`)).json();
    if (modems[0]?.state === 'ready') return;
    if (Date.now() - t0 > 60_000) throw new Error(`the simulated modem of ${b.url} did not become ready: ${JSON.stringify(modems)}`);
    await sleep(100);
  }
}

async function stopBoxes() {
  for (const b of boxes.splice(0)) {
    b.proc.kill('SIGTERM');
    await new Promise((r) => (b.proc.exitCode !== null ? r() : b.proc.on('exit', r)));
    rmSync(b.dir, { recursive: true, force: true });
  }
}

/** autocannon on each box at once (--connections each); sends/s summed, latency of the first box (or all, one box). */
async function load(targets) {
  const run = (b, duration) => autocannon({ url: `${b.url}/v1/queue/sms/send`, method: 'POST', headers: { 'content-type': 'application/json' }, body: SEND_BODY, connections, duration });
  await Promise.all(targets.map((b) => run(b, 2)));
  const rs = await Promise.all(targets.map((b) => run(b, seconds)));
  return {
    sendsPerSecond: Math.round(rs.reduce((n, r) => n + r['2xx'], 0) / seconds),
    perBox: rs.map((r) => Math.round(r['2xx'] / seconds)),
    p50Ms: Math.max(...rs.map((r) => r.latency.p50)),
    p99Ms: Math.max(...rs.map((r) => r.latency.p99)),
    non2xx: rs.reduce((n, r) => n + r.non2xx, 0),
    errors: rs.reduce((n, r) => n + r.errors + r.timeouts, 0),
  };
}

/** Posts one send to `to`; resolves with the time of its answer (epoch ms) once `sim`'s simulator recorded the SMS, and that SMS's `at`. */
async function sendToModem(to, sim, text) {
  const res = await fetch(`${to.url}/v1/queue/sms/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: '+61404341143', msg: text }) });
  const acked = performance.timeOrigin + performance.now();
  if (res.status !== 201 && res.status !== 200 && res.status !== 202) throw new Error(`send answered ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
  const t0 = Date.now();
  for (;;) {
    const { sent } = await (await fetch(`${sim.control}/sent`)).json();
    const mine = sent.find((s) => s.text === text);
    if (mine) return Date.parse(mine.at) - acked;
    if (Date.now() - t0 > 30_000) throw new Error(`"${text}" never reached the simulated modem of ${sim.url}`);
    await sleep(2);
  }
}

async function sendToModemSamples(to, sim, tag) {
  for (let i = 0; i < 3; i++) await sendToModem(to, sim, `${tag} warm-up ${i}`);
  const lat = [];
  for (let i = 0; i < samples; i++) {
    lat.push(await sendToModem(to, sim, `${tag} probe ${i}`));
    // A random pause: the sends do not fall in step with any poll or timer of the boxes.
    await sleep(50 + Math.random() * 150);
  }
  return summary(lat);
}

/** The queue's lease transaction (dist PgQueue in this process), one task added before each. */
async function leaseSamples(url) {
  const { openPgQueue } = await import(join(root, 'dist/src/queue/postgres/open-pg-queue.js'));
  const { parseConfig } = await import(join(root, 'dist/src/config.js'));
  const dir = mkdtempSync(join(tmpdir(), 'katar-fleet-lease-'));
  const q = await openPgQueue({ dataDir: dir, url, poolSize: 2, queues: parseConfig({}).queues, isLocalWorker: () => false });
  try {
    const lat = [];
    for (let i = 0; i < samples + 3; i++) {
      const [{ task }] = await q.add('sms', [{ data: { to: '+61404341143', msg: `lease probe ${i}` } }]);
      const t0 = performance.now();
      const [got] = await q.lease('sms', 'bench:lease', 1);
      const ms = performance.now() - t0;
      if (got?._id !== task._id) throw new Error(`lease took ${got?._id}, not the task just added (${task._id})`);
      await q.report('sms', 'bench:lease', [{ _id: task._id, status: 'done' }]);
      if (i >= 3) lat.push(ms);
    }
    return summary(lat);
  } finally {
    await q.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `n` finished tasks in the shape of the tasks table and its documents, finished over the last day. */
async function seedFinished(url, n) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const t0 = Date.now() - 86_400_000;
    const started = performance.now();
    for (let from = 1; from <= n; from += 200_000) {
      const to = Math.min(n, from + 199_999);
      await c.query(
        `INSERT INTO tasks (id, queue, seq, status, priority, to_number, updated_ms, finished_at_ms, doc)
         SELECT s.id, 'sms', s.seq, 'done', 0, '+61404341143', s.t, s.t, jsonb_build_object(
           '_id', s.id, 'queue', 'sms', 'seq', s.seq, 'data', jsonb_build_object('to', '+61404341143', 'msg', 'history message number ' || s.g),
           'status', 'done', 'priority', 0, 'parts', 1, 'createdAt', s.at, 'updatedAt', s.at, 'finishedAt', s.at,
           'attempts', jsonb_build_array(jsonb_build_object('n', 1, 'worker', 'builtin:seed:modem0', 'startedAt', s.at, 'endedAt', s.at, 'outcome', 'done')))
         FROM (SELECT g, 'seed' || lpad(g::text, 10, '0') AS id, nextval('katar_seq') AS seq, $3::bigint + (g * 80) / 1000 AS t,
                      to_char(to_timestamp(($3::bigint + (g * 80) / 1000) / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at
               FROM generate_series($1::int, $2::int) g) s`,
        [from, to, t0],
      );
    }
    await c.query('VACUUM ANALYZE tasks');
    // The steady state, not the seeding's aftermath: its dirty pages written out now, not during the samples.
    await c.query('CHECKPOINT');
    say(`seeded ${n.toLocaleString('en')} finished tasks in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await c.end();
  }
}

/** nextPriority / msUntilDue of the mirror on a deep queue that no worker may take (5). */
async function deepQueue(url) {
  const { openPgQueue } = await import(join(root, 'dist/src/queue/postgres/open-pg-queue.js'));
  const { parseConfig } = await import(join(root, 'dist/src/config.js'));
  const dir = mkdtempSync(join(tmpdir(), 'katar-fleet-deep-'));
  const q = await openPgQueue({ dataDir: dir, url, poolSize: 4, queues: parseConfig({}).queues, isLocalWorker: () => false });
  try {
    for (let i = 0; i < deep; i += 1000) {
      await q.add('sms', Array.from({ length: Math.min(1000, deep - i) }, (_, j) => ({ data: { to: '+61404341143', msg: `deep ${i + j}` }, modems: ['nowhere'] })));
    }
    const accept = { modem: 'modem0' };
    // The calls of waitForWork below each leave a listener until their 0 ms timer fires.
    q.setMaxListeners(0);
    const time = (fn) => {
      const t0 = performance.now();
      for (let i = 0; i < 200; i++) fn();
      return +(((performance.now() - t0) * 1000) / 200).toFixed(1);
    };
    const r = { queued: deep, nextPriorityUs: time(() => q.nextPriority('sms', accept)), waitForWorkUs: time(() => void q.waitForWork('sms', 0, undefined, accept)) };
    if (q.nextPriority('sms', accept) !== undefined) throw new Error('a task for modem "nowhere" was taken as ready for modem0');
    return r;
  } finally {
    await q.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = {};
try {
  if (parts.has('one')) {
    say('1. one box');
    const url = await database('fleet_one');
    results.oneBox = { connections, ...(await load([await box(url)])) };
    await stopBoxes();
    await statementStats('one box');
  }
  if (parts.has('three')) {
    say('2. three boxes');
    const url = await database('fleet_three');
    const three = [];
    for (let i = 0; i < 3; i++) three.push(await box(url));
    results.threeBoxes = { connectionsPerBox: connections, ...(await load(three)) };
    await stopBoxes();
    await statementStats('three boxes');
  }
  if (parts.has('wake')) {
    say('3. send to box A, SMS from box B');
    const url = await database('fleet_wake');
    const a = await box(url);
    const b = await box(url, { sim: true });
    await sleep(500);
    results.claimOnOtherBox = await sendToModemSamples(a, b, 'wake');
    await stopBoxes();
  }
  if (parts.has('claim')) {
    const url = await database('fleet_claim');
    const one = async (label) => {
      const b = await box(url, { sim: true });
      await sleep(500);
      const sendToSms = await sendToModemSamples(b, b, label);
      await stopBoxes();
      return { sendToSms, lease: await leaseSamples(url) };
    };
    say('4. claims, empty history');
    results.claimEmpty = await one('empty');
    say(`4. claims, ${history.toLocaleString('en')} finished tasks`);
    await seedFinished(url, history);
    results.claimHistory = { history, ...(await one('history')) };
  }
  if (parts.has('deep')) {
    say(`5. ${deep.toLocaleString('en')} queued tasks no worker may take`);
    results.deepQueue = await deepQueue(await database('fleet_deep'));
  }
} finally {
  await stopBoxes();
  await admin.end();
  await cluster.destroy();
}

const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, loadAverage: loadavg().map((l) => +l.toFixed(2)), date: new Date().toISOString() };
const rows = [];
const r = results;
if (r.oneBox) rows.push(['one box: sends/s', r.oneBox.sendsPerSecond, '≥ 1,500'], ['one box: ack p50 / p99 ms', `${r.oneBox.p50Ms} / ${r.oneBox.p99Ms}`, 'p99 < 50']);
if (r.threeBoxes) rows.push(['three boxes: aggregate sends/s', `${r.threeBoxes.sendsPerSecond} (${r.threeBoxes.perBox.join(' + ')})`, '≥ 3,000'], ['three boxes: ack p50 / p99 ms (worst box)', `${r.threeBoxes.p50Ms} / ${r.threeBoxes.p99Ms}`, '']);
if (r.claimOnOtherBox) rows.push(['send on A → SMS on B: p50 / p90 ms', `${r.claimOnOtherBox.p50Ms} / ${r.claimOnOtherBox.p90Ms}`, 'p50 < 50']);
for (const [k, label] of [['claimEmpty', 'empty history'], ['claimHistory', `${history.toLocaleString('en')} finished`]]) {
  if (!r[k]) continue;
  rows.push([`${label}: send → SMS, same box p50 / p90 ms`, `${r[k].sendToSms.p50Ms} / ${r[k].sendToSms.p90Ms}`, 'unchanged'], [`${label}: lease transaction p50 / p90 ms`, `${r[k].lease.p50Ms} / ${r[k].lease.p90Ms}`, 'unchanged']);
}
if (r.deepQueue) rows.push([`${deep.toLocaleString('en')} queued: nextPriority / waitForWork µs`, `${r.deepQueue.nextPriorityUs} / ${r.deepQueue.waitForWorkUs}`, '']);
console.log('| measure | result | target |\n|---|---|---|');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
console.log(JSON.stringify({ machine, connections, seconds, samples, results }));
process.exit(0);
