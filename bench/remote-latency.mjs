// Time from a send's acknowledgement on the server to AT+CMGS at a remote worker, with
// the long-poll extension and with plain polling at the server's interval.
// Usage: node bench/remote-latency.mjs [--samples 20] [--interval 2000]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const imp = (p) => import(join(root, 'dist', p));
const { createLogger } = await imp('src/log.js');
const { SimulatedModem } = await imp('src/simulator/index.js');
const { startRemoteWorker } = await imp('src/worker/remote/start-remote.js');
const { builtinDrivers } = await imp('drivers/index.js');
const { values } = parseArgs({ options: { samples: { type: 'string', default: '20' }, interval: { type: 'string', default: '2000' } } });
const samples = Number(values.samples);
const interval = Number(values.interval);

async function server(dir) {
  const cfg = join(dir, 'server.json');
  writeFileSync(cfg, JSON.stringify({ queues: { sms: { pollingIntervalMs: interval } } }));
  const proc = spawn(process.execPath, [join(root, 'dist/src/cli/main.js'), 'serve', '--modem', 'none', '--port', '0', '--data-dir', join(dir, 'server'), '--config', cfg], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const url = await new Promise((resolve) => proc.stdout.on('data', (b) => {
    out += b;
    const m = /katar-sms listening on (http:\/\/[^"\s]+)/.exec(out);
    if (m) resolve(m[1]);
  }));
  return { proc, url };
}

async function measure(longPoll) {
  const dir = mkdtempSync(join(tmpdir(), 'katar-remote-'));
  const { proc, url } = await server(dir);
  const sim = new SimulatedModem({ name: 'pi2', sendLatencyMs: 0 });
  let cmgsAt = 0;
  sim.on('command', (line) => { if (line.startsWith('AT+CMGS=') && !cmgsAt) cmgsAt = performance.now(); });
  const worker = await startRemoteWorker({ server: url, queue: 'sms', name: 'pi2', dataDir: join(dir, 'worker'), openPort: async () => sim.link(), drivers: builtinDrivers, logger: createLogger('silent'), pollWaitMs: longPoll ? 25_000 : 0 });
  await worker.session.whenReady();
  await new Promise((r) => setTimeout(r, 300));
  const lat = [];
  for (let i = 0; i < samples; i++) {
    cmgsAt = 0;
    const r = await fetch(`${url}/v1/queue/sms/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: '+61404341143', msg: `probe ${i}` }) });
    const acked = performance.now();
    await r.json();
    while (!cmgsAt) await new Promise((res) => setTimeout(res, 1));
    lat.push(cmgsAt - acked);
    await new Promise((res) => setTimeout(res, 100 + Math.random() * 200));
  }
  await worker.close();
  proc.kill('SIGTERM');
  await new Promise((r) => proc.on('exit', r));
  sim.dispose();
  rmSync(dir, { recursive: true, force: true });
  const s = [...lat].sort((a, b) => a - b);
  return { samples, p50Ms: +s[Math.floor(s.length / 2)].toFixed(1), maxMs: +s[s.length - 1].toFixed(1), meanMs: +(s.reduce((a, b) => a + b, 0) / s.length).toFixed(1) };
}

const result = { machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, date: new Date().toISOString() }, pollingIntervalMs: interval, longPoll: await measure(true), polling: await measure(false) };
console.log(JSON.stringify(result, null, 2));
process.exit(0);
