import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { modemComponents } from '../../src/modem-workers.js';
import { startGateway, type RunningGateway } from '../../src/start-gateway.js';
import { until } from '../helpers/modem-harness.js';
import { freePort } from '../helpers/mosquitto.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { testClient, uniqueName, type TestClient } from './mqtt-harness.js';

/**
 * The bridge on a real gateway (in this process, on the built-in simulated modem) and the
 * run's shared mosquitto: sends over MQTT reach the modem once, refusals come back as
 * results, received SMS and state come out, availability follows the gateway.
 */
const broker = inject('mosquitto');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

interface Running {
  gw: RunningGateway;
  prefix: string;
  control: string;
  sub: TestClient;
  pub: TestClient;
  sent(): Promise<Array<{ to: string; text: string }>>;
}

async function start(mqttExtra: Record<string, unknown> = {}, before?: (prefix: string) => Promise<void>): Promise<Running> {
  const tmp = await makeTmpDir();
  cleanups.push(tmp.cleanup);
  const prefix = uniqueName('gw');
  await before?.(prefix);
  const simPort = await freePort();
  const sub = await testClient(broker.url!, [`${prefix}/#`]);
  cleanups.push(() => sub.close());
  const config = parseConfig({
    port: 0,
    dataDir: join(tmp.dir, 'data'),
    modems: [{ path: 'sim', simControlPort: simPort, simSendLatencyMs: 10 }],
    mqtt: { url: broker.url, topicPrefix: prefix, clientId: prefix, discovery: false, contacts: [{ name: 'alice', to: '+61 404 341 143' }], ...mqttExtra },
  });
  const gw = await startGateway(config, createLogger('silent'), modemComponents());
  cleanups.push(() => gw.close());
  const pub = await testClient(broker.url!, [`${prefix}/send/result`, `${prefix}-replies/#`]);
  cleanups.push(() => pub.close());
  const control = `http://127.0.0.1:${simPort}`;
  // Sends are taken once the bridge has subscribed: it says so by going online... and the modem must be ready.
  await sub.waitFor(`${prefix}/status`);
  await until(async () => sub.on(`${prefix}/modem/modem0/state`).some((m) => m.payload === 'ready'), 15_000, 'modem ready on MQTT');
  return {
    gw,
    prefix,
    control,
    sub,
    pub,
    sent: async () => ((await (await fetch(`${control}/sent`)).json()) as { messages: Array<{ to: string; text: string }> }).messages,
  };
}

const json = (s: string): Record<string, unknown> => JSON.parse(s) as Record<string, unknown>;

describe.skipIf(!broker.url)(`MQTT bridge on a real gateway ${broker.reason ?? ''}`, () => {
  it('goes online (retained), publishes modem state and queue depth, and goes offline at a clean stop', async () => {
    const r = await start();
    expect(r.sub.on(`${r.prefix}/status`).at(-1)).toMatchObject({ payload: 'online' });
    const depth = await r.sub.waitFor(`${r.prefix}/queue/sms/depth`);
    expect(depth.at(-1)!.payload).toBe('0');
    expect((await r.sub.waitFor(`${r.prefix}/modem/modem0/signal`)).at(-1)!.payload).toMatch(/^-\d+$/);
    expect((await r.sub.waitFor(`${r.prefix}/modem/modem0/operator`)).at(-1)!.payload.length).toBeGreaterThan(0);
    // A client that comes later gets the retained state.
    const late = await testClient(broker.url!, [`${r.prefix}/status`, `${r.prefix}/modem/modem0/state`]);
    cleanups.push(() => late.close());
    expect((await late.waitFor(`${r.prefix}/status`))[0]).toMatchObject({ payload: 'online', retain: true });
    expect((await late.waitFor(`${r.prefix}/modem/modem0/state`))[0]).toMatchObject({ payload: 'ready', retain: true });
    await r.gw.close();
    await until(() => late.on(`${r.prefix}/status`).some((m) => m.payload === 'offline'), 5000, 'offline');
    const after = await testClient(broker.url!, [`${r.prefix}/status`]);
    cleanups.push(() => after.close());
    expect((await after.waitFor(`${r.prefix}/status`))[0]).toMatchObject({ payload: 'offline', retain: true });
  });

  it('sends a JSON send once; the result carries the task id; the events come out on event/<type>', async () => {
    const r = await start();
    await r.pub.publish(`${r.prefix}/send`, JSON.stringify({ to: '+61404341143', msg: 'hello over mqtt', idempotencyKey: 'k-1' }));
    const [result] = await r.pub.waitFor(`${r.prefix}/send/result`);
    const body = json(result!.payload);
    expect(body).toMatchObject({ ok: true, idempotencyKey: 'k-1' });
    expect(body._id).toMatch(/^\w+$/);
    const [sent] = await r.sub.waitFor(`${r.prefix}/event/sms.sent`);
    expect(json(sent!.payload)).toMatchObject({ type: 'sms.sent', data: { _id: body._id, status: 'done' } });
    // The same key again: the same task, no second SMS.
    await r.pub.publish(`${r.prefix}/send`, JSON.stringify({ to: '+61404341143', msg: 'hello over mqtt', idempotencyKey: 'k-1' }));
    const results = await r.pub.waitFor(`${r.prefix}/send/result`, 2);
    expect(json(results[1]!.payload)).toEqual({ ok: true, _id: body._id, duplicate: true, idempotencyKey: 'k-1' });
    await new Promise((res) => setTimeout(res, 300));
    expect((await r.sent()).filter((m) => m.text === 'hello over mqtt')).toHaveLength(1);
    // The event on MQTT is the event of the HTTP API, byte for byte as JSON.
    const page = (await (await fetch(`${r.gw.url}/v1/events?types=sms.sent`)).json()) as { events: unknown[] };
    expect(json(sent!.payload)).toEqual(page.events[0]);
  });

  it('answers a bad number with an error naming the field, and sends nothing', async () => {
    const r = await start();
    await r.pub.publish(`${r.prefix}/send`, JSON.stringify({ to: '12', msg: 'never' }));
    await r.pub.publish(`${r.prefix}/send`, '{"to": "+61404341143"');
    await r.pub.publish(`${r.prefix}/send`, JSON.stringify({ to: '+61404341143', msg: 'x', colour: 'red' }));
    await r.pub.publish(`${r.prefix}/send`, JSON.stringify({ to: '+61404341143', msg: 'x', via: 'no-such-modem' }));
    const results = (await r.pub.waitFor(`${r.prefix}/send/result`, 4)).map((m) => json(m.payload));
    expect(results[0]).toMatchObject({ ok: false, code: 'VALIDATION', field: 'to' });
    expect(results[0]!.error).toMatch(/to must be in international form/);
    expect(results[1]).toMatchObject({ ok: false, code: 'VALIDATION', field: 'payload' });
    expect(results[2]).toMatchObject({ ok: false, code: 'VALIDATION', field: 'colour' });
    // `via` is a field of a send, checked as over HTTP.
    expect(results[3]).toMatchObject({ ok: false, code: 'VALIDATION', field: 'via' });
    const tasks = (await (await fetch(`${r.gw.url}/v1/queue/sms/tasks`)).json()) as { tasks: unknown[] };
    expect(tasks.tasks).toEqual([]);
    expect(await r.sent()).toEqual([]);
    const metrics = await (await fetch(`${r.gw.url}/metrics`)).text();
    expect(metrics).toMatch(/^katar_mqtt_sends_total\{outcome="invalid"\} 4$/m);
    expect(metrics).toMatch(/^katar_mqtt_connected 1$/m);
  });

  it('sends a plain payload to a contact; an unknown contact gets an error and no SMS', async () => {
    const r = await start();
    await r.pub.publish(`${r.prefix}/send/alice`, 'The garage door is open', { qos: 2 });
    const [ok] = await r.pub.waitFor(`${r.prefix}/send/result`);
    expect(json(ok!.payload)).toMatchObject({ ok: true });
    await until(async () => (await r.sent()).length === 1, 5000, 'sent');
    expect(await r.sent()).toEqual([expect.objectContaining({ to: '+61404341143', text: 'The garage door is open' })]);
    await r.pub.publish(`${r.prefix}/send/bob`, 'hi bob');
    const results = await r.pub.waitFor(`${r.prefix}/send/result`, 2);
    expect(json(results[1]!.payload)).toMatchObject({ ok: false, code: 'CONTACT_NOT_FOUND', field: 'contact' });
    await new Promise((res) => setTimeout(res, 300));
    expect(await r.sent()).toHaveLength(1);
  });

  it('answers on the MQTT 5 response topic with the correlation data', async () => {
    const r = await start();
    const correlationData = Buffer.from('req-42');
    await r.pub.publish(`${r.prefix}/send`, JSON.stringify({ to: '+61404341143', msg: 'with a reply' }), { properties: { responseTopic: `${r.prefix}-replies/me`, correlationData } });
    const [reply] = await r.pub.waitFor(`${r.prefix}-replies/me`);
    expect(json(reply!.payload)).toMatchObject({ ok: true });
    expect(reply!.correlationData?.toString()).toBe('req-42');
    expect(r.pub.on(`${r.prefix}/send/result`)).toEqual([]);
  });

  it('publishes a received SMS on event/sms.received and last_received (retained)', async () => {
    const r = await start();
    const res = await fetch(`${r.control}/incoming`, { method: 'POST', body: JSON.stringify({ from: '+61400000000', msg: 'ring me' }) });
    expect(res.status).toBe(202);
    const [event] = await r.sub.waitFor(`${r.prefix}/event/sms.received`);
    expect(json(event!.payload)).toMatchObject({ type: 'sms.received', queue: 'sms', data: { from: '+61400000000', msg: 'ring me', source: 'modem:modem0' } });
    expect(event!.retain).toBe(false);
    const [last] = await r.sub.waitFor(`${r.prefix}/last_received`);
    expect(json(last!.payload)).toMatchObject({ from: '+61400000000', text: 'ring me' });
    expect(json(last!.payload).time).toBe((json(event!.payload).data as { receivedAt: string }).receivedAt);
  });

  it('refuses a retained send, which the broker would hand over again at every subscription', async () => {
    const early = await testClient(broker.url!, []);
    cleanups.push(() => early.close());
    let topic = '';
    const r = await start({}, async (prefix) => {
      topic = `${prefix}/send/alice`;
      await early.client.publishAsync(topic, 'retained by mistake', { qos: 1, retain: true });
      cleanups.push(async () => void (await early.client.publishAsync(topic, '', { qos: 1, retain: true })));
    });
    // Refused while start() was still waiting: the result went out before the test's client subscribed; the metrics count it.
    await until(async () => /^katar_mqtt_sends_total\{outcome="invalid"\} 1$/m.test(await (await fetch(`${r.gw.url}/metrics`)).text()), 5000, 'refused');
    expect(await r.sent()).toEqual([]);
    // Clearing it, as the refusal says, publishes an empty message: ignored, no error result.
    await early.client.publishAsync(topic, '', { qos: 1, retain: true });
    await r.pub.publish(`${r.prefix}/send/alice`, 'after the clear', { qos: 1 });
    const [result] = await r.pub.waitFor(`${r.prefix}/send/result`, 1);
    expect(json(result!.payload)).toMatchObject({ ok: true });
    expect(await (await fetch(`${r.gw.url}/metrics`)).text()).toMatch(/^katar_mqtt_sends_total\{outcome="invalid"\} 1$/m);
  });

  it('works with MQTT 3.1.1 too, QoS 0 and 2 included', async () => {
    const r = await start({ protocolVersion: 4 });
    await r.pub.publish(`${r.prefix}/send`, JSON.stringify({ to: '+61404341143', msg: 'over 3.1.1' }), { qos: 2 });
    await r.pub.publish(`${r.prefix}/send/alice`, 'at QoS 0', { qos: 0 });
    const results = await r.pub.waitFor(`${r.prefix}/send/result`, 2);
    expect(results.map((m) => json(m.payload).ok)).toEqual([true, true]);
    await until(async () => (await r.sent()).length === 2, 5000, 'sent');
    expect((await r.sent()).map((m) => m.text).sort()).toEqual(['at QoS 0', 'over 3.1.1']);
    // Its own results on send/+ are not taken for contact sends.
    await new Promise((res) => setTimeout(res, 300));
    expect(r.pub.on(`${r.prefix}/send/result`)).toHaveLength(2);
  });
});
