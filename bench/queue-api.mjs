// Durable sends per second through the producer API, on loopback, with 50 concurrent
// connections: one scenario per --history value (finished tasks seeded into history
// before the server starts; 0 is the empty store).
// Usage: npm run bench (or node bench/queue-api.mjs [--seconds 10] [--connections 50] [--history 0,10000,100000])
import { mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { historyList, rssOf, seedHistory, startServe } from './lib.mjs';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '50' }, history: { type: 'string', default: '0,10000,100000' } } });
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const histories = historyList(values.history);




const startServer = (dir) => startServe({ configDir: dir, dataDir: dir });

function fileSizes(dir) {
  const sizes = {};
  for (const f of readdirSync(dir)) if (/\.(json|jsonl)$/.test(f) && !f.startsWith('bench')) sizes[f] = statSync(join(dir, f)).size;
  return sizes;
}

async function scenario(name, history) {
  const dir = mkdtempSync(join(tmpdir(), 'katar-bench-'));
  try {
    if (history) await seedHistory(dir, history);
    const { proc, url, startMs } = await startServer(dir);
    await new Promise((r) => setTimeout(r, 1000));
    const idle = rssOf(proc.pid);
    const body = JSON.stringify({ to: '+61404341143', msg: 'benchmark message, one part' });
    // warm-up
    await autocannon({ url: `${url}/v1/queue/sms/send`, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections, duration: 2 });
    const r = await autocannon({ url: `${url}/v1/queue/sms/send`, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections, duration: seconds });
    const mem = rssOf(proc.pid);
    proc.kill('SIGTERM');
    await new Promise((res) => proc.on('exit', res));
    const ok = r['2xx'];
    return {
      name, history, connections, seconds,
      sendsPerSecond: Math.round(ok / seconds),
      p50Ms: r.latency.p50, p99Ms: r.latency.p99, maxMs: r.latency.max,
      non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts,
      idleRssMb: idle.rssMb, rssMb: mem.rssMb, peakRssMb: mem.peakMb, startToListenMs: startMs,
      files: fileSizes(dir),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
for (const h of histories) results.push(await scenario(h ? `${h.toLocaleString('en')} finished tasks in history` : 'empty store', h));
const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memGb: Math.round(totalmem() / 2 ** 30), node: process.version, date: new Date().toISOString() };
console.log(JSON.stringify({ machine, results }, null, 2));
console.log('\n| scenario | sends/s | p50 ms | p99 ms | non-2xx | RSS MB idle / after load (peak) | start ms | files |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of results) {
  console.log(`| ${r.name} | ${r.sendsPerSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.non2xx + r.errors} | ${r.idleRssMb} / ${r.rssMb} (${r.peakRssMb}) | ${r.startToListenMs} | ${Object.entries(r.files).map(([f, s]) => `${f} ${(s / 1e6).toFixed(1)} MB`).join(', ')} |`);
}
