import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startGateway, type RunningGateway } from '../../src/start-gateway.js';
import { readWholeLog } from '../helpers/event-log-http.js';
import { until } from '../helpers/modem-harness.js';
import { MOSQUITTO_BIN, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { testClient, uniqueName, type TestClient } from './mqtt-harness.js';

/**
 * Events out while the broker comes and goes, and across a gateway restart: a broker of
 * this file's own (the run's shared one must stay up), a gateway without modems (sends
 * over HTTP make the events), and a subscriber with a persistent session. The judge is
 * the event log read over HTTP: every event arrives, first arrivals in id order.
 */
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const json = { 'content-type': 'application/json' };

async function setup(): Promise<{ dir: string; broker: Mosquitto; prefix: string; sub: TestClient; gateway: () => Promise<RunningGateway> }> {
  const tmp = await makeTmpDir();
  cleanups.push(tmp.cleanup);
  const broker = await startMosquitto(join(tmp.dir, 'broker'));
  cleanups.push(() => broker.stop());
  const prefix = uniqueName('outage');
  // A persistent session: what the broker queued for it survives the broker's restart.
  const sub = await testClient(broker.url, [`${prefix}/event/#`], { clean: false, clientId: `${prefix}-sub`, properties: { sessionExpiryInterval: 3600 } });
  cleanups.push(() => sub.close());
  const gateway = async (): Promise<RunningGateway> => {
    const config = parseConfig({ port: 0, dataDir: join(tmp.dir, 'data'), rateLimit: { max: 1_000_000, windowMs: 1000 }, mqtt: { url: broker.url, topicPrefix: prefix, discovery: false } });
    const gw = await startGateway(config, createLogger(process.env.MQTT_TEST_LOG ? 'debug' : 'silent', 'json'), []);
    cleanups.push(() => gw.close());
    return gw;
  };
  return { dir: tmp.dir, broker, prefix, sub, gateway };
}

async function send(url: string, msg: string): Promise<void> {
  const res = await fetch(`${url}/v1/queue/sms/send`, { method: 'POST', headers: json, body: JSON.stringify({ to: '+61404341143', msg }) });
  expect(res.status).toBe(201);
}

/** Problems with what the subscriber got, judged against the log. */
function judge(sub: TestClient, prefix: string, log: Array<{ id: number; type: string }>): string[] {
  const problems: string[] = [];
  const firstSeen: number[] = [];
  const seen = new Set<number>();
  for (const m of sub.messages) {
    const e = JSON.parse(m.payload) as { id: number; type: string };
    if (m.topic !== `${prefix}/event/${e.type}`) problems.push(`event ${e.id} on ${m.topic}`);
    if (!seen.has(e.id)) {
      if (firstSeen.length && e.id < firstSeen.at(-1)!) problems.push(`first arrival of ${e.id} after ${firstSeen.at(-1)}`);
      firstSeen.push(e.id);
      seen.add(e.id);
    }
  }
  for (const e of log) if (!seen.has(e.id)) problems.push(`event ${e.id} (${e.type}) never published`);
  for (const id of seen) if (!log.some((e) => e.id === id)) problems.push(`event ${id} published but not in the log`);
  return problems;
}

describe.skipIf(!MOSQUITTO_BIN)('MQTT events across broker outages and gateway restarts', () => {
  it('publishes every event, in order, once the broker is back from an outage during traffic', async () => {
    const { broker, prefix, sub, gateway } = await setup();
    const gw = await gateway();
    let n = 0;
    let stopped = false;
    const traffic = (async () => {
      while (!stopped) {
        await send(gw.url, `m${n++}`);
        await new Promise((r) => setTimeout(r, 15));
      }
    })();
    await until(() => sub.messages.length >= 10, 10_000, 'events before the outage');
    await broker.stop();
    const during = n;
    await new Promise((r) => setTimeout(r, 2500));
    expect(n - during).toBeGreaterThan(20); // HTTP sends went on without the broker
    await broker.start();
    await new Promise((r) => setTimeout(r, 1500));
    stopped = true;
    await traffic;
    const log = await readWholeLog(gw.url);
    expect(log.length).toBe(n);
    await until(() => new Set(sub.messages.map((m) => (JSON.parse(m.payload) as { id: number }).id)).size >= log.length, 40_000, `all ${log.length} events (got ${sub.messages.length})`);
    expect(judge(sub, prefix, log).slice(0, 20)).toEqual([]);
    // The broker may hand an event on before the gateway has its PUBACK.
    const metrics = async (): Promise<string> => (await fetch(`${gw.url}/metrics`)).text();
    await until(async () => new RegExp(`^katar_mqtt_event_cursor ${log.at(-1)!.id}$`, 'm').test(await metrics()), 5000, 'the cursor at the newest event');
    expect(await metrics()).toMatch(/^katar_mqtt_connected 1$/m);
  }, 60_000);

  it('resumes from the acknowledged cursor after a gateway restart: events made while the broker was down come out', async () => {
    const { broker, prefix, sub, gateway } = await setup();
    let gw = await gateway();
    await send(gw.url, 'before');
    await sub.waitFor(`${prefix}/event/sms.queued`);
    await broker.stop();
    for (let i = 0; i < 150; i++) await send(gw.url, `while down ${i}`); // more than the window in flight
    await gw.close();
    await broker.start();
    gw = await gateway();
    await send(gw.url, 'after');
    const log = await readWholeLog(gw.url);
    expect(log).toHaveLength(152);
    await sub.waitFor(`${prefix}/event/sms.queued`, 152, 40_000);
    expect(judge(sub, prefix, log)).toEqual([]);
    // Before the outage was acknowledged: not published again.
    expect(sub.messages.filter((m) => (JSON.parse(m.payload) as { id: number }).id === log[0]!.id)).toHaveLength(1);
  }, 60_000);
});
