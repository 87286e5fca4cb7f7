import { afterEach, describe, expect, it } from 'vitest';
import { WebhookDispatcher } from '../../src/events/webhook-dispatcher.js';
import { buildApp, type HttpApp } from '../../src/http/app.js';
import { createLogger } from '../../src/log.js';
import { hook, FAST } from '../events/webhook-setup.js';
import { Receiver } from '../events/receiver.js';
import { startHttp, type HttpHarness } from '../helpers/http-harness.js';
import { until } from '../helpers/modem-harness.js';

/**
 * /metrics beyond the assertions of producer-api.test.ts and store-state.test.ts: every
 * counter is there at 0 before anything happened (so rate() and alerts see its first
 * rise), webhook deliveries and dead letters per webhook, the event log's newest id,
 * and the process's own metrics.
 */
const json = { 'content-type': 'application/json' };
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function harness(raw: Record<string, unknown> = {}): Promise<HttpHarness> {
  const h = await startHttp(raw);
  cleanups.push(() => h.close());
  return h;
}

async function metricsOf(app: HttpApp): Promise<string> {
  const r = await app.inject({ method: 'GET', url: '/metrics' });
  expect(r.statusCode).toBe(200);
  return r.body;
}

describe('/metrics', () => {
  it('has every counter of every configured queue at 0 from the start, and the newest event id', async () => {
    const h = await harness({ queues: { sms: {}, otp: {} } });
    const body = await metricsOf(h.app);
    for (const queue of ['sms', 'otp']) {
      for (const name of ['katar_tasks_created_total', 'katar_tasks_done_total', 'katar_tasks_failed_total', 'katar_sms_received_total']) {
        expect(body).toContain(`${name}{queue="${queue}"} 0\n`);
      }
      for (const outcome of ['delivered', 'pending', 'failed']) expect(body).toContain(`katar_delivery_reports_total{queue="${queue}",outcome="${outcome}"} 0\n`);
      expect(body).toContain(`katar_delivery_reports_unmatched_total{queue="${queue}"} 0\n`);
    }
    expect(body).toContain('katar_events_newest_id 0\n');
    // No dispatcher given: no webhook metrics at all.
    expect(body).not.toContain('katar_webhook_');

    const sent = await h.app.inject({ method: 'POST', url: '/v1/queue/otp/send', headers: json, payload: JSON.stringify({ to: '+61404341143', msg: 'x' }) });
    expect(sent.statusCode).toBe(201);
    const after = await metricsOf(h.app);
    expect(after).toContain('katar_tasks_created_total{queue="otp"} 1\n');
    expect(after).toContain('katar_tasks_created_total{queue="sms"} 0\n');
    expect(after).toContain(`katar_events_newest_id ${h.gateway.parts.queue.events.bounds().newest}\n`);
    expect(h.gateway.parts.queue.events.bounds().newest).toBeGreaterThan(0);
  });

  it('counts webhook deliveries by outcome and dead letters, per webhook', async () => {
    const h = await harness();
    const queue = h.gateway.parts.queue;
    const up = await Receiver.start();
    const gone = await Receiver.start();
    await gone.down();
    cleanups.push(() => up.close(), () => gone.close());
    const webhooks = new WebhookDispatcher({
      webhooks: [hook('shop', up.url, { events: ['sms.queued'] }), hook('gone', gone.url, { events: ['sms.queued'], maxAttempts: 1 })],
      log: queue.events,
      progress: queue.subscriptions,
      logger: createLogger('silent'),
      timing: FAST,
    });
    const app = await buildApp({ parts: h.gateway.parts, config: h.config, webhooks });
    cleanups.push(() => app.close(), () => webhooks.stop());
    await webhooks.start();

    const before = await metricsOf(app);
    for (const name of ['shop', 'gone']) {
      expect(before).toContain(`katar_webhook_deliveries_total{webhook="${name}",outcome="delivered"} 0\n`);
      expect(before).toContain(`katar_webhook_deliveries_total{webhook="${name}",outcome="failed"} 0\n`);
      expect(before).toContain(`katar_webhook_dead_letters{webhook="${name}"} 0\n`);
    }

    await h.gateway.send({ to: '+61404341143', msg: 'x' });
    await until(() => webhooks.stateOf('shop').delivered === 1 && webhooks.stateOf('gone').deadLetters === 1, 5000, 'one delivery and one dead letter');
    const after = await metricsOf(app);
    expect(after).toContain('katar_webhook_deliveries_total{webhook="shop",outcome="delivered"} 1\n');
    expect(after).toContain('katar_webhook_deliveries_total{webhook="shop",outcome="failed"} 0\n');
    expect(after).toContain('katar_webhook_dead_letters{webhook="shop"} 0\n');
    expect(after).toContain('katar_webhook_deliveries_total{webhook="gone",outcome="delivered"} 0\n');
    expect(after).toContain('katar_webhook_deliveries_total{webhook="gone",outcome="failed"} 1\n');
    expect(after).toContain('katar_webhook_dead_letters{webhook="gone"} 1\n');
  });

  it("has the process's own metrics: CPU, memory, heap, open files, start time, event-loop lag", async () => {
    const h = await harness();
    const body = await metricsOf(h.app);
    const value = (name: string): number => {
      const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(body);
      expect(m, name).not.toBeNull();
      return Number(m![1]);
    };
    expect(body).toContain('# TYPE process_cpu_seconds_total counter\n');
    expect(value('process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(value('process_cpu_seconds_total')).toBeCloseTo(value('process_cpu_user_seconds_total') + value('process_cpu_system_seconds_total'), 5);
    expect(value('process_resident_memory_bytes')).toBeGreaterThan(1e6);
    expect(value('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(value('nodejs_heap_size_used_bytes')).toBeLessThanOrEqual(value('nodejs_heap_size_total_bytes'));
    if (process.platform === 'linux') expect(value('process_open_fds')).toBeGreaterThan(2);
    const start = value('process_start_time_seconds');
    expect(start).toBeLessThanOrEqual(Date.now() / 1000 + 1);
    expect(start).toBeGreaterThan(Date.now() / 1000 - process.uptime() - 2);
    for (const name of ['nodejs_eventloop_lag_mean_seconds', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_eventloop_lag_max_seconds']) {
      expect(value(name), name).toBeGreaterThanOrEqual(0);
    }
  });
});
