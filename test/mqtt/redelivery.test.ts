import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { gatewayParts } from '../../src/gateway/gateway-parts.js';
import type { SendIntake } from '../../src/gateway/send-intake.js';
import { createLogger } from '../../src/log.js';
import { MqttBridge } from '../../src/mqtt/mqtt-bridge.js';
import { openFileQueue } from '../../src/queue/open-file-queue.js';
import { until } from '../helpers/modem-harness.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { testClient, uniqueName } from './mqtt-harness.js';

/**
 * The instant kill -9 rarely hits, made on purpose: the send is on disk, and the bridge
 * goes away before the broker got its acknowledgement (PUBACK / PUBREC). The broker
 * delivers the message again to the next bridge of the same client id, which must find
 * the task made the first time: one task, answered as a duplicate.
 */
const broker = inject('mosquitto');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const CASES = [
  { protocolVersion: 5, qos: 2, key: false },
  { protocolVersion: 5, qos: 1, key: true },
  { protocolVersion: 4, qos: 2, key: false },
  { protocolVersion: 4, qos: 1, key: true },
] as const;

describe.skipIf(!broker.url)(`a send redelivered after the gateway went away between the write and the acknowledgement ${broker.reason ?? ''}`, () => {
  it.each(CASES)('MQTT $protocolVersion, QoS $qos, idempotency key: $key: one task', async ({ protocolVersion, qos, key }) => {
    const tmp = await makeTmpDir();
    cleanups.push(tmp.cleanup);
    const dataDir = join(tmp.dir, 'data');
    const queue = await openFileQueue({ dataDir, queues: parseConfig({}).queues });
    cleanups.push(() => queue.close());
    const parts = gatewayParts(queue, { maxParts: 10 }, 'gw');
    const prefix = uniqueName('redeliver');
    const mqtt = parseConfig({ mqtt: { url: broker.url, topicPrefix: prefix, clientId: prefix, discovery: false, protocolVersion } }).mqtt!;
    let bridge: MqttBridge | undefined;
    let wrote = false;
    // The first submit writes the task, then the bridge goes without acknowledging.
    const intake = {
      submit: async (...args: Parameters<SendIntake['submit']>) => {
        const r = await parts.intake.submit(...args);
        if (wrote) return r;
        wrote = true;
        void bridge!.stop();
        return new Promise<never>(() => undefined);
      },
    } as unknown as SendIntake;
    const start = async (): Promise<MqttBridge> => {
      const b = await MqttBridge.start({ config: mqtt, gatewayId: 'gw', dataDir, parts: { ...parts, intake }, modems: [], logger: createLogger('silent') });
      cleanups.push(() => b.stop());
      return b;
    };
    const watch = await testClient(broker.url!, [`${prefix}/status`, `${prefix}/send/result`]);
    cleanups.push(() => watch.close());
    bridge = await start();
    await until(() => watch.on(`${prefix}/status`).some((m) => m.payload === 'online'), 10_000, 'online (subscribed)');
    const pub = await testClient(broker.url!, []);
    cleanups.push(() => pub.close());
    await pub.publish(`${prefix}/send`, JSON.stringify({ to: '+61404341143', msg: 'exactly once', ...(key && { idempotencyKey: 'once-1' }) }), { qos });
    await until(() => wrote, 5000, 'the first write');
    await bridge.stop();
    expect(queue.counts('sms').queued).toBe(1);
    bridge = await start(); // the broker delivers it again
    const [result] = await watch.waitFor(`${prefix}/send/result`);
    expect(JSON.parse(result!.payload)).toMatchObject({ ok: true, duplicate: true });
    expect(queue.counts('sms').queued).toBe(1);
    expect(bridge.stats().sends).toMatchObject({ accepted: 0, duplicate: 1 });
  });
});
