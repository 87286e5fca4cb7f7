import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { WebhookDispatcher } from '../../src/events/webhook-dispatcher.js';
import { buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/log.js';
import { hook } from '../events/webhook-setup.js';
import { startHttp } from '../helpers/http-harness.js';

/** Prometheus's own checker (Debian package `prometheus`; .ci/run installs it when missing). */
const promtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.skipIf(!promtool)('promtool check metrics', () => {
  it('accepts the /metrics text of a real app with every family filled in', async () => {
    const h = await startHttp({ queues: { sms: {}, otp: {} } });
    cleanups.push(() => h.close());
    const queue = h.gateway.parts.queue;
    // Not started: its state is enough for the metrics, and nothing is POSTed anywhere.
    const webhooks = new WebhookDispatcher({ webhooks: [hook('shop', 'http://127.0.0.1:9/hook')], log: queue.events, progress: queue.subscriptions, logger: createLogger('silent') });
    const app = await buildApp({ parts: h.gateway.parts, config: h.config, webhooks });
    cleanups.push(() => app.close());
    h.gateway.parts.modems.report({ name: 'modem0', state: 'ready', signalDbm: -71, updatedAt: new Date().toISOString() });
    const sent = await app.inject({ method: 'POST', url: '/v1/queue/sms/send', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ to: '+61404341143', msg: 'x' }) });
    expect(sent.statusCode).toBe(201);
    await app.inject({ method: 'GET', url: '/v1/queue/nope/tasks' });

    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    for (const family of ['katar_tasks', 'katar_webhook_deliveries_total', 'katar_events_newest_id', 'katar_modem_signal_dbm', 'katar_modem_recoveries_total', 'katar_http_request_duration_seconds_bucket', 'process_open_fds', 'nodejs_eventloop_lag_p99_seconds']) expect(text).toContain(`\n${family}`);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect({ status: check.status, problems: `${check.stdout}${check.stderr}`.trim() }).toEqual({ status: 0, problems: '' });
  });
});
