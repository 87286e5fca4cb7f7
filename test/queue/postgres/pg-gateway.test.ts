/**
 * Two gateways in this process on one PostgreSQL database (store.kind "postgres"), each
 * with its own simulated modem: sends posted to both are sent once each, by both modems.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/log.js';
import { modemComponents } from '../../../src/modem-workers.js';
import { startGateway, type RunningGateway } from '../../../src/start-gateway.js';
import { until } from '../../helpers/modem-harness.js';
import { freePort } from '../../helpers/mosquitto.js';
import { emptyDatabase } from '../../helpers/postgres.js';
import { makeTmpDir } from '../../helpers/tmp-dir.js';

const provided = inject('postgres');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function gateway(url: string): Promise<{ gw: RunningGateway; sent(): Promise<string[]>; control: string }> {
  const tmp = await makeTmpDir();
  cleanups.push(tmp.cleanup);
  const simPort = await freePort();
  const config = parseConfig({ port: 0, dataDir: join(tmp.dir, 'data'), store: { kind: 'postgres', url, poolSize: 3 }, modems: [{ path: 'sim', simControlPort: simPort, simSendLatencyMs: 5 }] });
  const gw = await startGateway(config, createLogger('silent'), modemComponents());
  cleanups.push(() => gw.close());
  const sent = async (): Promise<string[]> => ((await (await fetch(`http://127.0.0.1:${simPort}/sent`)).json()) as { messages: Array<{ to: string }> }).messages.map((m) => m.to);
  return { gw, sent, control: `http://127.0.0.1:${simPort}` };
}

describe.skipIf(!provided.url)('two gateways on one PostgreSQL', () => {
  it('drain one queue: every send posted to either goes out once, from both modems', async () => {
    const d = await emptyDatabase(provided.url!);
    cleanups.push(() => d.drop());
    // Both start at once: the schema migrates once, under the advisory lock.
    const [a, b] = await Promise.all([gateway(d.url), gateway(d.url)]);
    const numbers = Array.from({ length: 40 }, (_, i) => `+6140434${String(1000 + i)}`);
    for (const [i, to] of numbers.entries()) {
      const target = i % 2 === 0 ? a : b;
      const res = await fetch(`${target.gw.url}/v1/queue/sms/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to, msg: `m${i}` }) });
      expect(res.status).toBeLessThan(300);
    }
    await until(async () => (await a.sent()).length + (await b.sent()).length >= numbers.length, 30_000, 'every send sent');
    await new Promise((r) => setTimeout(r, 200));
    const [fromA, fromB] = [await a.sent(), await b.sent()];
    expect([...fromA, ...fromB].sort()).toEqual(numbers.map((n) => n.replace(/\s/g, '')).sort());
    expect(fromA.length > 0 && fromB.length > 0).toBe(true);
    await until(async () => a.gw.parts.queue.counts('sms').done === numbers.length, 10_000, 'all done');
  });

  it('the same SMS received by a modem of each box (both named modem0) is stored twice, and a re-read of it once', async () => {
    const d = await emptyDatabase(provided.url!);
    cleanups.push(() => d.drop());
    const [a, b] = await Promise.all([gateway(d.url), gateway(d.url)]);
    // One sender, one text, one SMSC time stamp: only the box (the SIM) tells them apart.
    const sms = { from: '+61404341143', msg: 'the alarm went off', timestamp: '2026-12-01T10:00:00Z' };
    for (const box of [a, b]) {
      const r = await fetch(`${box.control}/incoming`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sms) });
      expect(r.status).toBe(202);
    }
    const inbox = async (): Promise<Array<{ source: string }>> => (await a.gw.parts.queue.listInbox('sms', { limit: 10 })).items;
    await until(async () => (await inbox()).length >= 2, 15_000, 'both received');
    expect((await inbox()).map((e) => e.source)).toEqual(['modem:modem0', 'modem:modem0']);
    const bad = await fetch(`${a.control}/incoming`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...sms, timestamp: 'yesterday' }) });
    expect(bad.status).toBe(400);
  });
});
