// Throughput with several modems: the same N single-part sends drained by a gateway with
// one simulated modem and by one with four (modem-workers.ts, path "sim"), each modem at
// a realistic per-SMS latency. The drain is timed from the batch POST to the last task
// done; the speed-up of four modems over one should be close to 4 (at least 3.8).
// Then pacing: one modem with minIntervalMs (and its default 20 % jitter) drains --paced
// sends; the gaps between the starts of consecutive sends are measured (each must be >= minIntervalMs).
// Usage: npm run build && node bench/modem-scaling.mjs [--messages 120] [--latency 300] [--modems 4] [--interval 1000] [--paced 20]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const imp = (p) => import(join(root, 'dist', p));
const { parseConfig } = await imp('src/config.js');
const { createLogger } = await imp('src/log.js');
const { startGateway } = await imp('src/start-gateway.js');
const { modemComponents } = await imp('src/modem-workers.js');

const { values } = parseArgs({ options: { messages: { type: 'string', default: '120' }, latency: { type: 'string', default: '300' }, modems: { type: 'string', default: '4' }, interval: { type: 'string', default: '1000' }, paced: { type: 'string', default: '20' } } });
const N = Number(values.messages);
const latency = Number(values.latency);
const many = Number(values.modems);

/**
 * Drains N sends with `count` simulated modems: the drain time, the sends per modem, and
 * the gaps between the starts of consecutive sends (each attempt's `startedAt`, the lease
 * that comes after the gate let the send go; wall-clock milliseconds).
 */
async function drain(count, N, extra = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'katar-scaling-'));
  const modems = Array.from({ length: count }, (_, i) => ({ name: `m${i}`, path: 'sim', simSendLatencyMs: latency, statusReports: false, ...extra }));
  const config = parseConfig({ dataDir: dir, port: 0, logLevel: 'warn', rateLimit: { max: 1_000_000, windowMs: 1000 }, modems });
  const running = await startGateway(config, createLogger('warn'), modemComponents());
  try {
    const { parts, url } = running;
    const start = performance.now();
    while (parts.modems.all().filter((m) => m.state === 'ready').length < count) {
      if (performance.now() - start > 30_000) throw new Error('the modems did not all become ready');
      await new Promise((r) => setTimeout(r, 20));
    }
    const perModem = new Map();
    const startedAt = [];
    const allDone = new Promise((resolve) => {
      let n = 0;
      parts.queue.on('done', (t) => {
        startedAt.push(Date.parse(t.attempts.at(-1)?.startedAt ?? ''));
        const w = t.attempts.at(-1)?.worker ?? '?';
        perModem.set(w, (perModem.get(w) ?? 0) + 1);
        if (++n === N) resolve();
      });
    });
    const t0 = performance.now();
    const r = await fetch(`${url}/v1/queue/sms/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: Array.from({ length: N }, (_, i) => ({ to: '+61404341143', msg: `scaling ${i}` })) }) });
    if (r.status !== 201) throw new Error(`batch refused: ${r.status} ${await r.text()}`);
    await allDone;
    const ms = performance.now() - t0;
    const starts = [...startedAt].sort((a, b) => a - b);
    return { ms, perModem: [...perModem.values()].sort((a, b) => b - a), gaps: starts.slice(1).map((t, i) => t - starts[i]) };
  } finally {
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const one = await drain(1, N);
const four = await drain(many, N);
const ideal = (N * latency) / 1000;
const speedup = one.ms / four.ms;
console.log(`modem scaling: ${N} single-part SMS, ${latency} ms per SMS, ${cpus().length} CPU(s), Node ${process.version}`);
console.log(`  1 modem:  ${(one.ms / 1000).toFixed(2)} s (ideal ${ideal.toFixed(1)} s), ${(N / (one.ms / 1000)).toFixed(2)} SMS/s`);
console.log(`  ${many} modems: ${(four.ms / 1000).toFixed(2)} s (ideal ${(ideal / many).toFixed(1)} s), ${(N / (four.ms / 1000)).toFixed(2)} SMS/s, per modem ${four.perModem.join(' / ')}`);
console.log(`  speed-up: ${speedup.toFixed(2)}x (target >= ${(0.95 * many).toFixed(1)}x)`);
if (speedup < 0.95 * many) process.exitCode = 1;

const interval = Number(values.interval);
const paced = await drain(1, Number(values.paced), { minIntervalMs: interval });
const gaps = paced.gaps.sort((a, b) => a - b);
const q = (p) => gaps[Math.min(gaps.length - 1, Math.floor(p * gaps.length))].toFixed(0);
console.log(`pacing: minIntervalMs ${interval}, jitterMs ${Math.round(interval * 0.2)} (default), ${latency} ms per SMS, ${values.paced} sends`);
console.log(`  gaps between consecutive sends: min ${q(0)} ms, p50 ${q(0.5)} ms, max ${q(1)} ms (allowed ${interval}-${interval + Math.round(interval * 0.2)} ms plus the gateway's own time)`);
if (Number(q(0)) < interval) process.exitCode = 1;
