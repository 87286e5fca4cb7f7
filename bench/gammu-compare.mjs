// Side by side with Gammu SMSD (issue 5, "Performance"): katar-sms serve and gammu-smsd
// (files backend), each against its own fresh `katar-sms simulate` pty at the same
// per-send latency, with the same N messages:
// - drain: N messages from enqueue to the last one accepted by the simulator, against
//   the ideal N x latency (ratio = ideal / drain, as in modem-drain.mjs);
// - first AT+CMGS after one message is enqueued while the system is idle (several probes,
//   each after a random pause so that the phase against a polling loop is random);
// - incoming: POST /incoming on the simulator to the application (katar-sms inbox API;
//   gammu-smsd RunOnReceive, a shell script appending a timestamp to a file);
// - peak memory (VmHWM) and CPU time of the serving process, AT commands per sent part,
//   and AT commands per minute while idle.
// Gammu runs twice: "fair" (the shipped defaults: only device, backend paths and
// RunOnReceive set) and "tuned" (the knobs gammu-smsdrc(5) offers for throughput).
// Installs gammu-smsd and gammu with apt-get when they are missing (needs root).
// Never part of npm test or CI. Run after `node scripts/build-if-needed.mjs`:
//   node bench/gammu-compare.mjs [--messages 200] [--latency 100] [--incoming 20]
//     [--probes 5] [--idle 15] [--systems katar,gammu-fair,gammu-tuned]
//     [--personality generic] [--tuned-loopsleep 0] [--timeout 900] [--debug] [--keep]
// Progress goes to stderr; stdout gets the JSON result and a markdown table; the JSON is
// also written to bench/last-gammu-compare.json.
/* global AbortSignal */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir, cpus, totalmem, release } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'dist/src/cli/main.js');

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '200' },
    latency: { type: 'string', default: '100' },
    incoming: { type: 'string', default: '20' },
    probes: { type: 'string', default: '5' },
    idle: { type: 'string', default: '15' },
    systems: { type: 'string', default: 'katar,gammu-fair,gammu-tuned' },
    personality: { type: 'string', default: 'generic' },
    timeout: { type: 'string', default: '900' },
    seed: { type: 'string', default: '1' },
    debug: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'tuned-loopsleep': { type: 'string', default: '0' },
  },
});
const N = Number(values.messages);
const latency = Number(values.latency);
const K = Number(values.incoming);
const PROBES = Number(values.probes);
const IDLE_S = Number(values.idle);
const RUN_TIMEOUT_MS = Number(values.timeout) * 1000;
const SYSTEMS = values.systems.split(',').map((s) => s.trim()).filter(Boolean);
for (const s of SYSTEMS) if (!['katar', 'gammu-fair', 'gammu-tuned'].includes(s)) throw new Error(`unknown system "${s}"`);
if (!(N >= 1 && latency >= 0 && K >= 0 && K <= 30 && PROBES >= 0)) throw new Error('bad --messages/--latency/--incoming (0..30: SIM storage)/--probes');
if (!existsSync(cli)) throw new Error(`${cli} is missing: run node scripts/build-if-needed.mjs first`);

const TO = '+61404341143';
const FROM = '+15551234567';
const say = (...a) => process.stderr.write(`[gammu-compare] ${a.join(' ')}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A seeded PRNG (mulberry32) so that the probe pauses are the same from run to run.
let seed = Number(values.seed) >>> 0;
const random = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

// ---------- processes: every child is tracked, and killed by its own pid at the end ----------
const children = new Set();
function track(proc, name) {
  const c = { proc, name, exited: false, code: null };
  c.done = new Promise((res) => proc.once('exit', (code, sig) => { c.exited = true; c.code = code ?? sig; children.delete(c); res(); }));
  children.add(c);
  return c;
}
async function stop(c, graceMs = 5000) {
  if (!c || c.exited) return;
  try { process.kill(c.proc.pid, 'SIGTERM'); } catch { /* already gone */ }
  await Promise.race([c.done, sleep(graceMs)]);
  if (!c.exited) {
    say(`${c.name} (pid ${c.proc.pid}) ignored SIGTERM: SIGKILL`);
    // detached children lead their own process group (the simulator's socat is in it)
    try { process.kill(c.detached ? -c.proc.pid : c.proc.pid, 'SIGKILL'); } catch { /* gone */ }
    await Promise.race([c.done, sleep(2000)]);
  }
}
function killAllNow() {
  for (const c of children) {
    try { process.kill(c.detached ? -c.proc.pid : c.proc.pid, 'SIGKILL'); } catch { /* gone */ }
  }
}
const tempDirs = new Set();
function cleanupTemp() {
  if (values.keep) return;
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
}
process.on('exit', () => { killAllNow(); cleanupTemp(); });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { say(`${sig}: stopping`); process.exit(130); });

function procStats(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { peakRssMb: +(kb('VmHWM') / 1024).toFixed(1), rssMb: +(kb('VmRSS') / 1024).toFixed(1), cpuSeconds: +((Number(f[11]) + Number(f[12])) / CLK_TCK).toFixed(2) };
  } catch {
    return { peakRssMb: NaN, rssMb: NaN, cpuSeconds: NaN };
  }
}
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

async function waitFor(what, fn, timeoutMs, everyMs = 20) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(everyMs);
  }
}
async function getJson(url, init) {
  const r = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const body = await r.json().catch(() => ({}));
  return { status: r.status, body };
}

// ---------- Gammu: install when missing ----------
function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}
function ensureGammu() {
  if (have('gammu-smsd') && have('gammu')) return { installedNow: false };
  if (process.getuid?.() !== 0) throw new Error('gammu-smsd is missing and this is not root: apt-get install gammu-smsd gammu');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'gammu-smsd', 'gammu']]) {
    say(`gammu-smsd or gammu missing: running apt-get ${args.join(' ')}`);
    const r = spawnSync('apt-get', args, { stdio: ['ignore', 2, 2], env, timeout: 600_000 });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (${r.status ?? r.signal ?? r.error})`);
  }
  if (!have('gammu-smsd')) throw new Error('apt-get install finished but gammu-smsd is still missing');
  say('installed. Note: the Debian package enables gammu-smsd.service (on /dev/null) where systemd runs; this bench never uses it.');
  return { installedNow: true };
}
function gammuVersion() {
  const r = spawnSync('gammu-smsd', ['--version'], { encoding: 'utf8' });
  return /(\d+\.\d+(\.\d+)?)/.exec(r.stdout + r.stderr)?.[1] ?? 'unknown';
}

// ---------- the simulator ----------
async function startSimulator(dir) {
  const link = join(dir, 'modem0');
  const args = [cli, 'simulate', '--link', link, '--control-port', '0', '--latency', String(latency), '--personality', values.personality];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const c = track(proc, 'simulator');
  c.detached = true;
  const commands = []; // { t: epoch ms (simulator's Date.now()), line }
  let buf = '';
  let errTail = '';
  let url;
  proc.stderr.on('data', (b) => { errTail = (errTail + b).slice(-4000); });
  proc.stdout.on('data', (b) => {
    buf += b;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      let j;
      try { j = JSON.parse(line); } catch { continue; }
      if (j.msg === 'simulator received' && typeof j.line === 'string') commands.push({ t: j.time, line: j.line });
      else if (j.msg === 'simulated modem ready') url = j.control;
    }
  });
  await waitFor('the simulator to be ready', () => url || (c.exited && Promise.reject(new Error(`simulator exited ${c.code}: ${errTail}`))), 15_000);
  return {
    c, url, link, commands,
    sent: async () => (await getJson(`${url}/sent`)).body.sent,
    inject: (text) => getJson(`${url}/incoming`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: FROM, text }) }),
  };
}

// ---------- the systems under test: start, ready, enqueue, read the application inbox ----------
async function startKatar(dir, sim) {
  const cfg = join(dir, 'katar-config.json');
  // The producer rate limit guards a LAN API; it is not the subject here (the bench polls the inbox).
  writeFileSync(cfg, JSON.stringify({ rateLimit: { max: 10_000_000, windowMs: 1000 } }));
  const data = join(dir, 'data');
  const t0 = Date.now();
  const proc = spawn(process.execPath, [cli, 'serve', '--modem', sim.link, '--port', '0', '--data-dir', data, '--config', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  const c = track(proc, 'katar-sms serve');
  let out = '';
  proc.stdout.on('data', (b) => { out = (out + b).slice(-20_000); });
  proc.stderr.on('data', (b) => { out = (out + b).slice(-20_000); });
  const url = await waitFor('katar-sms to listen', () => /katar-sms listening on (http:\/\/[^"\s]+)/.exec(out)?.[1] || (c.exited && Promise.reject(new Error(`serve exited ${c.code}: ${out.slice(-2000)}`))), 30_000);
  let modem;
  await waitFor('the katar-sms modem to be ready', async () => {
    modem = (await getJson(`${url}/healthz`)).body.modems?.[0];
    return modem?.state === 'ready';
  }, 60_000, 50);
  const readyMs = Date.now() - t0;
  const post = async (body) => {
    const r = await getJson(`${url}/v1/queue/sms/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (r.status !== 201) throw new Error(`send refused: ${r.status} ${JSON.stringify(r.body)}`);
  };
  return {
    c, pid: proc.pid, readyMs, config: 'as shipped (statusReports on, log level info); rateLimit raised for the inbox polling',
    pollSpreadMs: 2000,
    enqueueOne: (msg) => post({ to: TO, msg }),
    enqueueMany: async (msgs) => {
      for (let i = 0; i < msgs.length; i += 1000) await post({ messages: msgs.slice(i, i + 1000).map((msg) => ({ to: TO, msg })) });
    },
    // text -> epoch ms at which the application sees it (polled every 10 ms)
    watchInbox: () => pollInbox(async () => {
      const { body } = await getJson(`${url}/v1/queue/sms/inbox?limit=1000`);
      return (body.messages ?? []).map((m) => ({ text: m.msg, storedAt: Date.parse(m.receivedAt) }));
    }),
    health: async () => (await getJson(`${url}/healthz`)).body,
    logTail: () => out.slice(-3000),
  };
}

function pollInbox(list) {
  const seen = new Map();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const now = Date.now();
      for (const m of await list()) if (!seen.has(m.text)) seen.set(m.text, { seenAt: now, storedAt: m.storedAt });
      await sleep(10);
    }
  })();
  return { seen, stop: async () => { stopped = true; await loop; } };
}

const GAMMU_TUNED = {
  // gammu-smsdrc(5): scan the outbox again 1 s after finding it empty (default 30); no
  // idle sleep between loop passes (default 1 s: the send loop pass is also rate-limited by
  // it); check for incoming every 1 s while sending (default 15); no periodic phone status
  // (default 60 s); no PIN/battery/signal/network checks around every send (default on).
  CommTimeout: 1,
  LoopSleep: Number(values['tuned-loopsleep']),
  ReceiveFrequency: 1,
  StatusFrequency: 0,
  CheckSecurity: 0,
  CheckBattery: 0,
  CheckSignal: 0,
  CheckNetwork: 0,
  HangupCalls: 0,
  MultipartTimeout: 10,
  PhoneID: 'bench',
};

async function startGammu(dir, sim, tuned) {
  const paths = Object.fromEntries(['inbox', 'outbox', 'sent', 'error'].map((p) => [p, join(dir, p) + '/']));
  for (const p of Object.values(paths)) mkdirSync(p, { recursive: true });
  const received = join(dir, 'received.log');
  const hook = join(dir, 'on-receive.sh');
  // RunOnReceive gets the inbox file names as arguments: log them with the time (ns).
  writeFileSync(hook, `#!/bin/sh\necho "$(date +%s%N) $*" >> '${received}'\n`);
  chmodSync(hook, 0o755);
  const log = join(dir, 'smsd.log');
  const lines = [
    '[gammu]', `device = ${sim.link}`, 'connection = at', ...(values.debug ? ['logformat = textall'] : []), '',
    '[smsd]', 'service = files', `logfile = ${log}`, `debuglevel = ${values.debug ? 255 : 1}`,
    `inboxpath = ${paths.inbox}`, `outboxpath = ${paths.outbox}`, `sentsmspath = ${paths.sent}`, `errorsmspath = ${paths.error}`,
    `runonreceive = ${hook}`,
    ...(tuned ? Object.entries(GAMMU_TUNED).map(([k, v]) => `${k} = ${v}`) : []),
  ];
  const rc = join(dir, 'smsdrc');
  writeFileSync(rc, lines.join('\n') + '\n');
  const t0 = Date.now();
  const proc = spawn('gammu-smsd', ['-c', rc], { stdio: ['ignore', 'pipe', 'pipe'] });
  const c = track(proc, `gammu-smsd (${tuned ? 'tuned' : 'fair'})`);
  let out = '';
  proc.stdout.on('data', (b) => { out = (out + b).slice(-4000); });
  proc.stderr.on('data', (b) => { out = (out + b).slice(-4000); });
  const logTail = () => { try { return readFileSync(log, 'utf8').slice(-3000); } catch { return out; } };
  // Ready: the main loop has run once. Its check for incoming SMS starts with the storage
  // status (AT+CPMS="SM","SM"; the phone init before it only sets AT+CPMS="ME").
  try {
    await waitFor('gammu-smsd to start its main loop (first AT+CPMS="SM","SM" or AT+CMGL)', () => sim.commands.some((x) => /^AT\+CPMS="SM","SM"|^AT\+CMGL/.test(x.line)) || (c.exited && Promise.reject(new Error(`gammu-smsd exited ${c.code}`))), 60_000, 50);
  } catch (err) {
    err.diagnostics = { lastSimulatorCommands: sim.commands.slice(-25).map((x) => x.line), logTail: logTail() };
    await stop(c);
    throw err;
  }
  const readyMs = Date.now() - t0;
  let serial = 0;
  const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
  const writeOut = (msg) => {
    // OUT<priority><date>_<time>_<serial>_<recipient>_<note>.txt (gammu-smsd-files(7)); written
    // under a name gammu ignores, then renamed, so gammu never reads a half-written file.
    const name = `OUTC${stamp()}_${String(serial++).padStart(5, '0')}_${TO}_bench.txt`;
    const tmp = join(paths.outbox, `.tmp-${name}`);
    writeFileSync(tmp, msg);
    renameSync(tmp, join(paths.outbox, name));
  };
  const readInboxFile = (f) => {
    const b = readFileSync(join(paths.inbox, f));
    return b[0] === 0xff && b[1] === 0xfe ? b.subarray(2).toString('utf16le') : b.toString('utf8');
  };
  return {
    c, pid: proc.pid, readyMs, rc, config: lines.join('\n'),
    pollSpreadMs: ((tuned ? GAMMU_TUNED.CommTimeout + GAMMU_TUNED.LoopSleep : 31)) * 1000,
    enqueueOne: async (msg) => writeOut(msg),
    enqueueMany: async (msgs) => { for (const m of msgs) writeOut(m); },
    watchInbox: () => pollInbox(async () => {
      if (!existsSync(received)) return [];
      const out2 = [];
      for (const line of readFileSync(received, 'utf8').split('\n')) {
        const [ns, ...files] = line.trim().split(/\s+/);
        if (!ns) continue;
        for (const f of files) out2.push({ text: readInboxFile(f), storedAt: Math.round(Number(ns) / 1e6) });
      }
      return out2;
    }),
    outboxLeft: () => readdirSync(paths.outbox).filter((f) => f.startsWith('OUT')).length,
    errors: () => readdirSync(paths.error).length,
    logTail,
  };
}

// ---------- one run: a fresh simulator and one system ----------
const pct = (a, p) => (a.length ? [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor((a.length - 1) * p))] : NaN);
const r1 = (x) => (Number.isFinite(x) ? +x.toFixed(1) : null);

async function runOne(system) {
  const dir = mkdtempSync(join(tmpdir(), `katar-gammu-${system}-`));
  tempDirs.add(dir);
  say(`${system}: fresh simulator in ${dir} (latency ${latency} ms, personality ${values.personality})`);
  const sim = await startSimulator(dir);
  let sys;
  try {
    sys = system === 'katar' ? await startKatar(dir, sim) : await startGammu(dir, sim, system === 'gammu-tuned');
    say(`${system}: ready after ${sys.readyMs} ms (pid ${sys.pid})`);
    const sentNow = async () => (await sim.sent()).length;

    // 1. idle: AT commands per minute and CPU while nothing is to be done
    await sleep(1000);
    const idle0 = { n: sim.commands.length, cpu: procStats(sys.pid).cpuSeconds, t: Date.now() };
    await sleep(IDLE_S * 1000);
    const idleMin = (Date.now() - idle0.t) / 60_000;
    const idle = {
      seconds: IDLE_S,
      atCommandsPerMinute: r1((sim.commands.length - idle0.n) / idleMin),
      cpuPercent: r1(((procStats(sys.pid).cpuSeconds - idle0.cpu) / (idleMin * 60)) * 100),
      commands: [...new Set(sim.commands.slice(idle0.n).map((x) => x.line.replace(/=.*/, '=…')))],
    };
    say(`${system}: idle ${idle.atCommandsPerMinute} AT commands/min, ${idle.cpuPercent}% CPU`);

    // 2. first AT+CMGS after one enqueue, system idle; a random pause first (its polling phase)
    const firstFromEnqueue = [];
    const firstFromAck = [];
    const probeDetail = [];
    for (let i = 0; i < PROBES; i++) {
      await sleep(Math.round(random() * sys.pollSpreadMs));
      const before = await sentNow();
      const tEnq = Date.now();
      await sys.enqueueOne(`probe ${i}`);
      const tAck = Date.now();
      await waitFor(`probe ${i} on the simulator`, async () => (await sentNow()) > before, 120_000, 10);
      const cmgs = sim.commands.find((x) => x.t >= tEnq && x.line.startsWith('AT+CMGS'));
      firstFromEnqueue.push(cmgs ? cmgs.t - tEnq : NaN);
      firstFromAck.push(cmgs ? cmgs.t - tAck : NaN);
      // what the modem was asked between the enqueue and that AT+CMGS (why a probe is slow)
      probeDetail.push({ ms: cmgs ? cmgs.t - tEnq : null, ackMs: tAck - tEnq, before: sim.commands.filter((x) => x.t >= tEnq && (!cmgs || x.t < cmgs.t)).map((x) => `+${x.t - tEnq} ${x.line}`) });
      say(`${system}: probe ${i}: first AT+CMGS ${cmgs ? cmgs.t - tEnq : '?'} ms after enqueue`);
    }

    // 3. incoming: K SMS injected 5 ms apart, to the application
    let incoming = null;
    if (K > 0) {
      await sleep(1000);
      const watch = sys.watchInbox();
      const injected = new Map();
      for (let i = 0; i < K; i++) {
        const text = `incoming ${system} ${i}`;
        injected.set(text, Date.now());
        const r = await sim.inject(text);
        if (r.status !== 202) throw new Error(`inject refused: ${r.status} ${JSON.stringify(r.body)}`);
        await sleep(5);
      }
      const tFirst = Math.min(...injected.values());
      try {
        await waitFor(`${K} incoming SMS in the application`, () => [...injected.keys()].every((t) => watch.seen.has(t)), 120_000, 20);
      } finally {
        await watch.stop();
      }
      const seenLat = [];
      const storedLat = [];
      for (const [text, t] of injected) {
        const s = watch.seen.get(text);
        if (!s) continue;
        seenLat.push(s.seenAt - t);
        if (Number.isFinite(s.storedAt)) storedLat.push(s.storedAt - t);
      }
      const extra = [...watch.seen.keys()].filter((t) => !injected.has(t));
      incoming = {
        messages: K,
        received: seenLat.length,
        unexpected: extra.length,
        toApplicationMs: { p50: r1(pct(storedLat, 0.5)), p99: r1(pct(storedLat, 0.99)), max: r1(Math.max(...storedLat)) },
        seenByPollMs: { p50: r1(pct(seenLat, 0.5)), max: r1(Math.max(...seenLat)) },
        allInMs: Math.round(Math.max(...[...watch.seen.values()].map((s) => s.seenAt)) - tFirst),
      };
      say(`${system}: incoming p50 ${incoming.toApplicationMs.p50} ms, all ${K} in ${incoming.allInMs} ms`);
    }

    // 4. drain N messages
    await sleep(1000);
    const base = await sentNow();
    const cmd0 = sim.commands.length;
    const texts = Array.from({ length: N }, (_, i) => `drain ${system} ${String(i).padStart(5, '0')}`);
    const t0 = Date.now();
    await sys.enqueueMany(texts);
    const tEnqueued = Date.now();
    say(`${system}: ${N} enqueued in ${tEnqueued - t0} ms; draining`);
    let sent;
    await waitFor(`${N} messages on the simulator`, async () => {
      sent = (await sim.sent()).slice(base);
      return sent.length >= N;
    }, Math.max(120_000, N * (latency + 3000) + 60_000), 50);
    await sleep(Math.max(500, latency * 3)); // a late duplicate would show here
    sent = (await sim.sent()).slice(base);
    const lastAt = Math.max(...sent.map((s) => Date.parse(s.at)));
    const cmgsTimes = sim.commands.slice(cmd0).filter((x) => x.line.startsWith('AT+CMGS'));
    const firstCmgs = cmgsTimes[0]?.t ?? NaN;
    const drainCmdList = sim.commands.slice(cmd0).filter((x) => x.t <= lastAt);
    const drainCmds = drainCmdList.length;
    const mix = {};
    for (const x of drainCmdList) {
      const k = x.line.replace(/^(AT[+^$]?[A-Z]*).*$/i, '$1');
      mix[k] = (mix[k] ?? 0) + 1;
    }
    // per message: gap between successive AT+CMGS, and from one part's +CMGS (sent) to the next AT+CMGS
    const gaps = cmgsTimes.slice(1).map((x, i) => x.t - cmgsTimes[i].t);
    const sentAts = sent.map((s) => Date.parse(s.at)).sort((a, b) => a - b);
    const idleGaps = sentAts.slice(0, -1).map((a) => (cmgsTimes.find((x) => x.t >= a)?.t ?? NaN) - a).filter(Number.isFinite);
    const counts = new Map();
    for (const s of sent) counts.set(s.text, (counts.get(s.text) ?? 0) + 1);
    const drainMs = lastAt - t0;
    const ideal = N * latency;
    const drain = {
      messages: N, latencyMs: latency, drainMs, idealMs: ideal, ratio: +(ideal / drainMs).toFixed(3),
      enqueueMs: tEnqueued - t0,
      enqueueToFirstCmgsMs: Math.round(firstCmgs - t0),
      firstCmgsToLastSentMs: Math.round(lastAt - firstCmgs),
      sendPhaseRatio: +(ideal / (lastAt - firstCmgs)).toFixed(3),
      partsSent: sent.length,
      lost: texts.filter((t) => !counts.has(t)).length,
      duplicated: [...counts.values()].reduce((a, n) => a + Math.max(0, n - 1), 0),
      cmgsIntervalMs: { p50: r1(pct(gaps, 0.5)), p99: r1(pct(gaps, 0.99)), max: r1(Math.max(...gaps)) },
      sentToNextCmgsMs: { p50: r1(pct(idleGaps, 0.5)), p99: r1(pct(idleGaps, 0.99)), max: r1(Math.max(...idleGaps)) },
      atCommandsPerPart: +(drainCmds / sent.length).toFixed(2),
      atCommandMix: Object.fromEntries(Object.entries(mix).sort((a, b) => b[1] - a[1])),
    };
    say(`${system}: drained ${N} in ${drainMs} ms (ideal ${ideal}, ratio ${drain.ratio})`);

    const mem = procStats(sys.pid);
    const extra = system === 'katar' ? { queue: (await sys.health()).queues?.sms } : { outboxLeft: sys.outboxLeft(), errorFiles: sys.errors() };
    return {
      system, pid: sys.pid, startToReadyMs: sys.readyMs, idle,
      firstCmgsAfterEnqueueMs: { probes: PROBES, p50: r1(pct(firstFromEnqueue, 0.5)), max: r1(Math.max(...firstFromEnqueue)), samples: firstFromEnqueue.map(Math.round), detail: probeDetail },
      firstCmgsAfterAckMs: { p50: r1(pct(firstFromAck, 0.5)), max: r1(Math.max(...firstFromAck)) },
      incoming, drain,
      memory: { peakRssMb: mem.peakRssMb, rssAtEndMb: mem.rssMb }, cpuSeconds: mem.cpuSeconds,
      ...extra,
      config: sys.config,
    };
  } catch (err) {
    err.diagnostics ??= {
      lastSimulatorCommands: sim.commands.slice(-25).map((x) => x.line),
      logTail: sys?.logTail?.() ?? null,
    };
    throw err;
  } finally {
    await stop(sys?.c);
    await stop(sim.c);
  }
}

// A bounded run: on timeout, the children are killed and the error recorded.
async function bounded(system) {
  let timer;
  try {
    const run = runOne(system);
    run.catch(() => {}); // after a timeout it fails late, against killed children: not unhandled
    return await Promise.race([run, new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`run exceeded --timeout ${RUN_TIMEOUT_MS / 1000} s`)), RUN_TIMEOUT_MS); })]);
  } catch (err) {
    say(`${system}: FAILED: ${err.message}`);
    for (const c of [...children]) await stop(c, 2000);
    return { system, error: err.message, diagnostics: err.diagnostics ?? null };
  } finally {
    clearTimeout(timer);
  }
}

// ---------- main ----------
let gammu = null;
if (SYSTEMS.some((s) => s.startsWith('gammu'))) gammu = { ...ensureGammu(), version: gammuVersion() };
if (!have('socat')) say('socat missing: the simulator falls back to python3 for the pty');

const runs = {};
for (const s of SYSTEMS) runs[s] = await bounded(s);

const result = {
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memMb: Math.round(totalmem() / 2 ** 20), kernel: release(), node: process.version, date: new Date().toISOString() },
  params: { messages: N, latencyMs: latency, incoming: K, probes: PROBES, idleSeconds: IDLE_S, personality: values.personality, seed: Number(values.seed) },
  gammu,
  command: `node bench/gammu-compare.mjs --messages ${N} --latency ${latency} --incoming ${K} --probes ${PROBES} --idle ${IDLE_S} --systems ${SYSTEMS.join(',')} --personality ${values.personality} --tuned-loopsleep ${values['tuned-loopsleep']} --seed ${values.seed}`,
  runs,
};

// markdown: one column per system, ratios against katar-sms where both ran
const ok = SYSTEMS.filter((s) => runs[s] && !runs[s].error);
const rows = [
  ['drain N (ms)', (r) => r.drain.drainMs],
  ['drain ratio (ideal / drain)', (r) => r.drain.ratio],
  ['enqueue → first AT+CMGS of the drain (ms)', (r) => r.drain.enqueueToFirstCmgsMs],
  ['send phase ratio (first CMGS → last sent)', (r) => r.drain.sendPhaseRatio],
  ['AT+CMGS interval p50 (ms)', (r) => r.drain.cmgsIntervalMs.p50],
  ['+CMGS answer → next AT+CMGS p50 (ms)', (r) => r.drain.sentToNextCmgsMs.p50],
  ['AT commands per sent part (drain)', (r) => r.drain.atCommandsPerPart],
  ['lost / duplicated', (r) => `${r.drain.lost} / ${r.drain.duplicated}`],
  ['idle: first AT+CMGS after enqueue p50 (ms)', (r) => r.firstCmgsAfterEnqueueMs.p50],
  ['idle: first AT+CMGS after enqueue max (ms)', (r) => r.firstCmgsAfterEnqueueMs.max],
  ['incoming → application p50 (ms)', (r) => r.incoming?.toApplicationMs.p50 ?? '–'],
  ['incoming → application max (ms)', (r) => r.incoming?.toApplicationMs.max ?? '–'],
  [`all ${K} incoming in the application (ms)`, (r) => r.incoming?.allInMs ?? '–'],
  ['peak memory VmHWM (MB)', (r) => r.memory.peakRssMb],
  ['CPU time over the run (s)', (r) => r.cpuSeconds],
  ['idle AT commands per minute', (r) => r.idle.atCommandsPerMinute],
  ['start to ready (ms)', (r) => r.startToReadyMs],
];
let md = `\n| metric (N=${N}, ${latency} ms per send) | ${ok.join(' | ')} |${ok.filter((s) => s !== 'katar' && ok.includes('katar')).map((s) => ` ${s} / katar |`).join('')}\n`;
md += `|---|${ok.map(() => '---:|').join('')}${ok.filter((s) => s !== 'katar' && ok.includes('katar')).map(() => '---:|').join('')}\n`;
for (const [label, f] of rows) {
  const vals = ok.map((s) => f(runs[s]));
  const k = ok.includes('katar') ? f(runs.katar) : undefined;
  const ratios = ok.filter((s) => s !== 'katar' && ok.includes('katar')).map((s) => {
    const v = f(runs[s]);
    return typeof v === 'number' && typeof k === 'number' && k !== 0 ? `${(v / k).toFixed(2)}×` : '';
  });
  md += `| ${label} | ${vals.join(' | ')} |${ratios.map((x) => ` ${x} |`).join('')}\n`;
}
for (const s of SYSTEMS.filter((x) => runs[x]?.error)) md += `\n**${s} failed:** ${runs[s].error}\n`;

console.log(JSON.stringify(result, null, 2));
console.log(md);
writeFileSync(join(root, 'bench', 'last-gammu-compare.json'), JSON.stringify(result, null, 2) + '\n');
if (values.keep) say(`kept: ${[...tempDirs].join(' ')}`);
process.exit(ok.length === SYSTEMS.length ? 0 : 1);
