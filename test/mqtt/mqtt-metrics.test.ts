import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import type { MqttStats } from '../../src/mqtt/mqtt-bridge.js';
import { startHttp } from '../helpers/http-harness.js';

const promtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const zero = { event: 0, state: 0, discovery: 0, result: 0 };

describe('MQTT metrics', () => {
  it('are there from the start, at 0, and promtool accepts them', async () => {
    const h = await startHttp({});
    cleanups.push(() => h.close());
    let stats: MqttStats = { connected: false, published: { ...zero }, failed: { ...zero }, sends: { accepted: 0, duplicate: 0, invalid: 0, refused: 0 }, eventCursor: 0 };
    const app = await buildApp({ parts: h.gateway.parts, config: h.config, mqtt: { stats: () => stats } });
    cleanups.push(() => app.close());
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/^katar_mqtt_connected 0$/m);
    for (const kind of Object.keys(zero)) for (const outcome of ['ok', 'failed']) expect(text).toContain(`\nkatar_mqtt_publishes_total{kind="${kind}",outcome="${outcome}"} 0\n`);
    for (const outcome of ['accepted', 'duplicate', 'invalid', 'refused']) expect(text).toContain(`\nkatar_mqtt_sends_total{outcome="${outcome}"} 0\n`);
    stats = { ...stats, connected: true, published: { ...zero, event: 12 }, eventCursor: 12 };
    const later = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(later).toMatch(/^katar_mqtt_connected 1$/m);
    expect(later).toContain('\nkatar_mqtt_publishes_total{kind="event",outcome="ok"} 12\n');
    expect(later).toMatch(/^katar_mqtt_event_cursor 12$/m);
    if (promtool) {
      const check = spawnSync('promtool', ['check', 'metrics'], { input: later, encoding: 'utf8' });
      expect({ status: check.status, problems: `${check.stdout}${check.stderr}`.trim() }).toEqual({ status: 0, problems: '' });
    }
  });

  it('are absent without the bridge', async () => {
    const h = await startHttp({});
    cleanups.push(() => h.close());
    const app = await buildApp({ parts: h.gateway.parts, config: h.config });
    cleanups.push(() => app.close());
    expect((await app.inject({ method: 'GET', url: '/metrics' })).body).not.toContain('katar_mqtt_');
  });
});
