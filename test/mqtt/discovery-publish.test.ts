import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startGateway, type RunningGateway } from '../../src/start-gateway.js';
import { until } from '../helpers/modem-harness.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { testClient, uniqueName } from './mqtt-harness.js';

/**
 * The bridge publishes Home Assistant discovery (ha-discovery.ts) retained on connect and
 * clears, at the next start, the configs of contacts and modems the config dropped.
 */
const broker = inject('mosquitto');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

describe.skipIf(!broker.url)(`MQTT discovery publishing ${broker.reason ?? ''}`, () => {
  it('publishes the configs retained, and clears those of a removed contact at the next start', async () => {
    const tmp = await makeTmpDir();
    cleanups.push(tmp.cleanup);
    const prefix = uniqueName('disc');
    const discoveryPrefix = `${prefix}-ha`;
    const gateway = async (contacts: string[], discovery = true): Promise<RunningGateway> => {
      const config = parseConfig({
        port: 0,
        dataDir: join(tmp.dir, 'data'),
        gatewayId: 'kitchen-pi',
        mqtt: { url: broker.url, topicPrefix: prefix, discoveryPrefix, discovery, contacts: contacts.map((name, i) => ({ name, to: `+6140434114${i}` })) },
      });
      const gw = await startGateway(config, createLogger('silent'), []);
      cleanups.push(() => gw.close());
      return gw;
    };
    /** The retained configs now at the broker, by topic. */
    const retained = async (): Promise<Map<string, Record<string, unknown>>> => {
      const c = await testClient(broker.url!, [`${discoveryPrefix}/#`]);
      await new Promise((r) => setTimeout(r, 400));
      await c.close();
      return new Map(c.messages.filter((m) => m.retain && m.payload !== '').map((m) => [m.topic, JSON.parse(m.payload) as Record<string, unknown>]));
    };

    let gw = await gateway(['alice', 'bob']);
    await until(async () => [...(await retained()).keys()].filter((t) => t.includes('/notify/')).length === 2, 10_000, 'two notify configs');
    const first = await retained();
    const notify = [...first].filter(([t]) => t.includes('/notify/'));
    for (const [topic, cfg] of notify) {
      expect(topic).toMatch(new RegExp(`^${discoveryPrefix}/notify/[\\w-]+/[\\w-]+/config$`));
      expect(cfg.command_topic).toMatch(new RegExp(`^${prefix}/send/(alice|bob)$`));
      expect(cfg.availability).toEqual([expect.objectContaining({ topic: `${prefix}/status` })]);
    }
    expect([...first.keys()].some((t) => t.includes('/event/'))).toBe(true);
    await gw.close();

    gw = await gateway(['alice']);
    await until(async () => [...(await retained()).keys()].filter((t) => t.includes('/notify/')).length === 1, 10_000, 'bob cleared');
    const second = await retained();
    expect([...second.values()].filter((c) => typeof c.command_topic === 'string').map((c) => c.command_topic)).toEqual([`${prefix}/send/alice`]);
    await gw.close();

    gw = await gateway(['alice'], false);
    await until(async () => (await retained()).size === 0, 10_000, 'everything cleared with discovery off');
  }, 40_000);
});
