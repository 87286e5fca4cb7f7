import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { modemComponents } from '../../src/modem-workers.js';
import { startGateway, type RunningGateway } from '../../src/start-gateway.js';
import { until } from '../helpers/modem-harness.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(raw: Record<string, unknown>): Promise<{ g: RunningGateway; dir: string }> {
  const tmp = await makeTmpDir();
  cleanups.push(tmp.cleanup);
  const g = await startGateway(parseConfig({ port: 0, dataDir: tmp.dir, ...raw }), createLogger('silent'), modemComponents());
  cleanups.push(() => g.close());
  return { g, dir: tmp.dir };
}

const twoModems = {
  modems: [
    { name: 'm1', path: 'sim', simSendLatencyMs: 10, limits: { perDay: 1, timezone: 'UTC' } },
    { name: 'm2', path: 'sim', simSendLatencyMs: 10 },
  ],
};

async function finished(g: RunningGateway, id: string): Promise<Record<string, unknown>> {
  let task: Record<string, unknown> = {};
  await until(async () => {
    task = (await g.app.inject({ method: 'GET', url: `/v1/queue/sms/tasks/${id}` })).json();
    return ['done', 'failed'].includes(task.status as string);
  }, 10_000, `task ${id} finished`);
  return task;
}

describe('a gateway with two simulated modems (modem-workers.ts, path "sim")', () => {
  it('HTTP send: via names a modem (the answer shows where it goes); an unknown via is 400 naming the field', async () => {
    const { g } = await start(twoModems);
    const bad = await g.app.inject({ method: 'POST', url: '/v1/queue/sms/send', payload: { to: '+61404000001', msg: 'x', via: 'm9' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VALIDATION', field: 'via' });
    expect(bad.json().message).toBe('via "m9" is neither a modem nor a modem group of this gateway (modems: m1, m2)');
    const ok = await g.app.inject({ method: 'POST', url: '/v1/queue/sms/send', payload: { to: '+61404000001', msg: 'for m2', via: 'm2' } });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ via: 'm2', modems: ['m2'] });
    const t = await finished(g, ok.json()._id as string);
    expect(t).toMatchObject({ status: 'done', attempts: [{ worker: expect.stringMatching(/:m2$/) as unknown, outcome: 'done' }] });
  });

  it('a capped modem: /healthz, /readyz, /metrics and the counter file say it is paused by limit, and until when', async () => {
    const { g, dir } = await start(twoModems);
    const first = await g.app.inject({ method: 'POST', url: '/v1/queue/sms/send', payload: { to: '+61404000001', msg: 'one', via: 'm1' } });
    expect(await finished(g, first.json()._id as string)).toMatchObject({ status: 'done' });
    const second = await g.app.inject({ method: 'POST', url: '/v1/queue/sms/send', payload: { to: '+61404000001', msg: 'two', via: 'm1' } });
    const midnight = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + 1)).toISOString();
    await until(async () => (await g.app.inject({ method: 'GET', url: '/healthz' })).json().modems.some((m: { pauseReason?: string }) => m.pauseReason === 'limit'), 5000, 'paused on /healthz');
    const health = (await g.app.inject({ method: 'GET', url: '/healthz' })).json();
    expect(health.modems.find((m: { name: string }) => m.name === 'm1')).toMatchObject({ state: 'ready', pauseReason: 'limit', pausedUntil: midnight });
    const ready = await g.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().modems).toEqual([`m1 paused by limit until ${midnight} (perDay 1 reached: 1 sent in this day (UTC))`]);
    const metrics = (await g.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('katar_modem_paused{modem="m1",reason="limit"} 1');
    expect(metrics).toContain('katar_modem_paused{modem="m2",reason="limit"} 0');
    // The second SMS waits queued for m1; it neither fails nor goes out through m2.
    const waiting = (await g.app.inject({ method: 'GET', url: `/v1/queue/sms/tasks/${second.json()._id as string}` })).json();
    expect(waiting).toMatchObject({ status: 'queued', attempts: [] });
    const counters = JSON.parse(await readFile(`${dir}/pacing/m1.json`, 'utf8')) as { windows: { day: { count: number } } };
    expect(counters.windows.day.count).toBeGreaterThanOrEqual(1);
  });
});
