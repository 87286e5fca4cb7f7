/**
 * Two gateways of a fleet (one PostgreSQL) with MQTT bridges on the same topic prefix,
 * against the run's mosquitto: each event comes out once on event/<type>, from the box
 * holding the claim, and after that box stops the other one goes on publishing.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { modemComponents } from '../../src/modem-workers.js';
import { startGateway, type RunningGateway } from '../../src/start-gateway.js';
import { until } from '../helpers/modem-harness.js';
import { freePort } from '../helpers/mosquitto.js';
import { freshDatabase } from '../helpers/postgres.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { testClient, uniqueName, type TestClient } from './mqtt-harness.js';

const broker = inject('mosquitto');
const postgres = inject('postgres');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/** A gateway on the shared database, with its own simulated modem, data directory (gateway id) and so MQTT client id. */
async function gateway(url: string, prefix: string): Promise<RunningGateway> {
  const tmp = await makeTmpDir();
  cleanups.push(tmp.cleanup);
  const config = parseConfig({
    port: 0,
    dataDir: join(tmp.dir, 'data'),
    store: { kind: 'postgres', url, poolSize: 3 },
    modems: [{ path: 'sim', simControlPort: await freePort(), simSendLatencyMs: 5 }],
    mqtt: { url: broker.url, topicPrefix: prefix, discovery: false },
  });
  const gw = await startGateway(config, createLogger('silent'), modemComponents());
  cleanups.push(() => gw.close());
  return gw;
}

async function send(gw: RunningGateway, to: string): Promise<void> {
  const res = await fetch(`${gw.url}/v1/queue/sms/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to, msg: `hello ${to}` }) });
  expect(res.status).toBeLessThan(300);
}

/** How often each event id came out on the event topics. */
function countsById(sub: TestClient, prefix: string): Map<number, number> {
  const m = new Map<number, number>();
  for (const msg of sub.messages.filter((x) => x.topic.startsWith(`${prefix}/event/`))) {
    const id = (JSON.parse(msg.payload) as { id: number }).id;
    m.set(id, (m.get(id) ?? 0) + 1);
  }
  return m;
}

/** Every event id of the log, from a box's pull API. */
async function eventIds(gw: RunningGateway): Promise<number[]> {
  const page = (await (await fetch(`${gw.url}/v1/events?limit=1000`)).json()) as { events: Array<{ id: number }> };
  return page.events.map((e) => e.id);
}

describe.skipIf(!broker.url || !postgres.url)(`MQTT events in a fleet ${broker.reason ?? ''}${postgres.reason ?? ''}`, () => {
  it('two bridges with one topic prefix publish each event once; when the publishing box stops, the other goes on', async () => {
    const d = await freshDatabase(postgres.url!);
    cleanups.push(() => d.drop());
    const prefix = uniqueName('fleet');
    const sub = await testClient(broker.url!, [`${prefix}/event/#`]);
    cleanups.push(() => sub.close());
    const a = await gateway(d.url, prefix);
    const b = await gateway(d.url, prefix);
    for (let i = 0; i < 10; i++) await send(i % 2 === 0 ? a : b, `+614043411${String(10 + i)}`);
    await until(async () => a.parts.queue.counts('sms').done === 10, 20_000, 'every send done');
    const ids = await eventIds(a);
    await until(() => ids.every((id) => countsById(sub, prefix).has(id)), 10_000, 'every event published');
    // Time for a second publish to show, were there one.
    await new Promise((r) => setTimeout(r, 1000));
    expect([...countsById(sub, prefix).entries()].filter(([, n]) => n !== 1)).toEqual([]);

    // The box that publishes (the first to start) stops and gives its claim up.
    await a.close();
    for (let i = 0; i < 4; i++) await send(b, `+614043412${String(10 + i)}`);
    await until(async () => b.parts.queue.counts('sms').done === 14, 20_000, 'the later sends done');
    const later = (await eventIds(b)).filter((id) => !ids.includes(id));
    await until(() => later.every((id) => countsById(sub, prefix).has(id)), 15_000, 'box B publishes after box A stopped');
    const counts = countsById(sub, prefix);
    // A clean stop hands over the cursor: nothing missing, nothing twice.
    expect([...ids, ...later].map((id) => counts.get(id))).toEqual([...ids, ...later].map(() => 1));
  });

  it('with one prefix, each send is taken by one box (a shared subscription), and each box has its own status and modem topics', async () => {
    const d = await freshDatabase(postgres.url!);
    cleanups.push(() => d.drop());
    const prefix = uniqueName('fleet');
    const sub = await testClient(broker.url!, [`${prefix}/#`]);
    cleanups.push(() => sub.close());
    const a = await gateway(d.url, prefix);
    const b = await gateway(d.url, prefix);
    for (const gw of [a, b]) {
      await until(() => sub.on(`${prefix}/box/${gw.parts.id}/status`).some((m) => m.payload === 'online'), 10_000, `box ${gw.parts.id} online`);
      await until(() => sub.on(`${prefix}/box/${gw.parts.id}/modem/modem0/state`).some((m) => m.payload === 'ready'), 15_000, `modem of ${gw.parts.id} ready`);
    }
    expect(sub.on(`${prefix}/status`)).toEqual([]);
    // Sends without an idempotency key: one task each, whichever box the broker hands them to.
    const pub = await testClient(broker.url!, [`${prefix}/send/result`]);
    cleanups.push(() => pub.close());
    for (let i = 0; i < 6; i++) await pub.publish(`${prefix}/send`, JSON.stringify({ to: `+614043413${String(10 + i)}`, msg: `over mqtt ${i}` }));
    await until(() => pub.on(`${prefix}/send/result`).length >= 6, 15_000, 'six results');
    await new Promise((r) => setTimeout(r, 1000));
    expect(pub.on(`${prefix}/send/result`)).toHaveLength(6);
    await until(async () => a.parts.queue.counts('sms').done === 6, 20_000, 'six sent');
    const tasks = await a.parts.queue.listTasks('sms', { limit: 100 });
    expect(tasks.items.map((t) => t.data.to).sort()).toEqual(Array.from({ length: 6 }, (_, i) => `+614043413${String(10 + i)}`));
  });
});
