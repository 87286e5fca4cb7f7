// The built-in worker against the simulated modem at a fixed per-send latency:
// - drain: N single-part messages, time against the ideal N x latency;
// - AT commands per sent part (health polling and storage listing included);
// - first AT+CMGS after a send's acknowledgement, when the modem is idle;
// - +CMTI to the `sms` event for incoming messages.
// Usage: node bench/modem-drain.mjs [--messages 200] [--latency 100] [--incoming 50]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const imp = (p) => import(join(root, 'dist', p));
const { parseConfig } = await imp('src/config.js');
const { createLogger } = await imp('src/log.js');
const { startGateway } = await imp('src/start-gateway.js');
const { SimulatedModem } = await imp('src/simulator/index.js');
const { ModemSession } = await imp('src/modem/session/session.js');
const { ModemWorker } = await imp('src/worker/modem-worker.js');
const { builtinDrivers } = await imp('drivers/index.js');

const { values } = parseArgs({ options: { messages: { type: 'string', default: '200' }, latency: { type: 'string', default: '100' }, prompt: { type: 'string', default: '0' }, incoming: { type: 'string', default: '50' } } });
const N = Number(values.messages);
const latency = Number(values.latency);
// The time of one AT+CMGS is split between the prompt and the answer after the PDU
// (a real modem takes ~86 ms to prompt); --prompt 0 is the pessimistic case.
const promptLatency = Number(values.prompt);
const incoming = Number(values.incoming);

const dir = mkdtempSync(join(tmpdir(), 'katar-drain-'));
const sim = new SimulatedModem({ name: 'bench', sendLatencyMs: latency - promptLatency, promptLatencyMs: promptLatency });
const commands = [];
sim.on('command', (line) => commands.push({ line, at: performance.now() }));
let session;
let worker;
const logger = createLogger('warn');
const config = parseConfig({ dataDir: dir, port: 0, logLevel: 'warn', rateLimit: { max: 1_000_000, windowMs: 1000 } });
const running = await startGateway(config, logger, [
  async (gateway) => {
    session = new ModemSession({ name: 'bench', openPort: async () => sim.link(), drivers: builtinDrivers, statusReports: true, logger });
    worker = new ModemWorker({ name: 'bench', session, gateway, queueName: 'sms', statusReports: true, logger });
    worker.start();
    await session.start();
    await session.whenReady();
    return { close: async () => { await worker.stop(); await session.close(); } };
  },
]);
const { gateway, url } = running;
const post = (body) => fetch(`${url}/v1/queue/sms/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

// 1. first AT+CMGS after an acknowledged send, modem idle (10 samples)
const firstCmgs = [];
for (let i = 0; i < 10; i++) {
  const done = new Promise((res) => gateway.once('done', res));
  const r = await post({ to: '+61404341143', msg: `latency probe ${i}` });
  const acked = performance.now();
  await r.json();
  await done;
  const c = commands.find((x) => x.at >= acked - 50 && x.line.startsWith('AT+CMGS='));
  firstCmgs.push(c ? c.at - acked : NaN);
  await new Promise((res) => setTimeout(res, 50));
}

// 2. drain N messages
const before = commands.length;
const sentBefore = sim.sent.length;
const allDone = new Promise((res) => {
  let n = 0;
  gateway.on('done', () => ++n === N && res());
});
const t0 = performance.now();
const r = await post({ messages: Array.from({ length: N }, (_, i) => ({ to: '+61404341143', msg: `drain message ${i}` })) });
if (r.status !== 201) throw new Error(`batch refused: ${r.status} ${await r.text()}`);
await allDone;
const drainMs = performance.now() - t0;
const cmds = commands.length - before;
const parts = sim.sent.length - sentBefore;

// 3. incoming: +CMTI to the `sms` event
const lat = [];
const got = new Promise((res) => {
  let n = 0;
  gateway.on('sms', (m) => {
    const at = performance.now();
    const sentAt = injected.get(m.msg);
    if (sentAt !== undefined) lat.push(at - sentAt);
    if (++n === incoming) res();
  });
});
const injected = new Map();
const tIn = performance.now();
for (let i = 0; i < incoming; i++) {
  injected.set(`incoming ${i}`, performance.now());
  sim.injectIncoming({ from: '+61404341143', text: `incoming ${i}` });
  await new Promise((res) => setTimeout(res, 5));
}
await got;
const incomingAllMs = performance.now() - tIn;

await running.close();
sim.dispose();
rmSync(dir, { recursive: true, force: true });

const pct = (a, p) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor((a.length - 1) * p))];
const ideal = N * latency;
const result = {
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, date: new Date().toISOString() },
  drain: { messages: N, latencyMs: latency, promptLatencyMs: promptLatency, drainMs: Math.round(drainMs), idealMs: ideal, ratio: +(ideal / drainMs).toFixed(3) },
  atCommandsPerPart: +(cmds / parts).toFixed(3),
  atCommands: cmds,
  partsSent: parts,
  firstCmgsAfterAckMs: { p50: +pct(firstCmgs, 0.5).toFixed(1), max: +Math.max(...firstCmgs).toFixed(1) },
  incoming: { messages: incoming, cmtiToSmsEventMs: { p50: +pct(lat, 0.5).toFixed(1), p99: +pct(lat, 0.99).toFixed(1), max: +Math.max(...lat).toFixed(1) }, allInMs: Math.round(incomingAllMs) },
};
console.log(JSON.stringify(result, null, 2));
writeFileSync(join(root, 'bench', 'last-modem-drain.json'), JSON.stringify(result, null, 2) + '\n');
process.exit(0);
