import type { WebhookDispatcher } from '../events/webhook-dispatcher.js';
import type { GatewayParts } from '../gateway/gateway-parts.js';
import type { MqttStats } from '../mqtt/mqtt-bridge.js';
import { TASK_STATUSES } from '../queue/task.js';
import { HEALING_STEPS } from '../modem/session/healing-ladder.js';
import { processMetricLines, watchEventLoop } from './process-metrics.js';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labels = (l: Record<string, string>): string => `{${Object.entries(l).map(([k, v]) => `${k}="${esc(v)}"`).join(',')}}`;

/** The counters per queue, with their HELP text. */
const QUEUE_COUNTERS: Record<string, string> = {
  katar_tasks_created_total: 'Tasks accepted.',
  katar_tasks_done_total: 'Tasks sent.',
  katar_tasks_failed_total: 'Tasks failed for good.',
  katar_sms_received_total: 'SMS received.',
};

/** What the metrics are read from; without `webhooks` there are no webhook metrics. */
export interface MetricsSources extends Pick<GatewayParts, 'queue' | 'modems'>, Partial<Pick<GatewayParts, 'controls'>> {
  webhooks?: Pick<WebhookDispatcher, 'state'> | undefined;
  /** The MQTT bridge; without it there are no MQTT metrics. */
  mqtt?: { stats(): MqttStats } | undefined;
}

/**
 * Prometheus metrics in the text exposition format: queue depth by status, sends,
 * failures, received SMS, status reports, webhook deliveries, modem and store health,
 * request latencies and the process's own (process-metrics.ts). Small enough that a
 * client library would add more than it saves. Every counter of a configured queue or
 * webhook is there from the start, at 0, so that rate() and alerts see its first rise.
 */
export class Metrics {
  readonly #latency = new Map<string, Histogram>();
  readonly #counters = new Map<string, number>();

  readonly #queue: GatewayParts['queue'];
  readonly #modems: GatewayParts['modems'];
  readonly #webhooks: MetricsSources['webhooks'];
  readonly #controls: MetricsSources['controls'];
  readonly #mqtt: MetricsSources['mqtt'];

  constructor({ queue, modems, webhooks, mqtt, controls }: MetricsSources) {
    this.#controls = controls;
    this.#mqtt = mqtt;
    this.#queue = queue;
    this.#modems = modems;
    this.#webhooks = webhooks;
    for (const name of Object.keys(QUEUE_COUNTERS)) for (const q of queue.queueNames) this.#counters.set(`${name}${labels({ queue: q })}`, 0);
    queue.on('queued', (t) => t.attempts.length === 0 && this.inc('katar_tasks_created_total', { queue: t.queue }));
    queue.on('done', (t) => this.inc('katar_tasks_done_total', { queue: t.queue }));
    queue.on('failed', (t) => this.inc('katar_tasks_failed_total', { queue: t.queue }));
    queue.on('sms', (s) => this.inc('katar_sms_received_total', { queue: s.queue }));
    watchEventLoop();
  }

  /** Adds one to a counter. */
  inc(name: string, l: Record<string, string>): void {
    const key = `${name}${labels(l)}`;
    this.#counters.set(key, (this.#counters.get(key) ?? 0) + 1);
  }

  /** Records one request's duration. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const key = labels({ method, route, status: String(status) });
    let h = this.#latency.get(key);
    if (!h) this.#latency.set(key, (h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) h.counts[i]!++;
    h.sum += seconds;
    h.count++;
  }

  /** The exposition text. */
  render(): string {
    const out: string[] = [];
    out.push('# HELP katar_tasks Tasks by queue and status.', '# TYPE katar_tasks gauge');
    for (const q of this.#queue.queueNames) {
      const c = this.#queue.counts(q);
      for (const s of TASK_STATUSES) out.push(`katar_tasks${labels({ queue: q, status: s })} ${c[s]}`);
    }
    for (const [name, help] of Object.entries(QUEUE_COUNTERS)) {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const [k, v] of this.#counters) if (k.startsWith(`${name}{`)) out.push(`${k} ${v}`);
    }
    // Status reports, counted where they are matched (src/queue/delivery-book.ts).
    out.push('# HELP katar_delivery_reports_total Status reports matched to a sent part, by outcome.', '# TYPE katar_delivery_reports_total counter');
    const reports = this.#queue.queueNames.map((q) => [q, this.#queue.deliveries.counts(q)] as const);
    for (const [q, c] of reports) for (const o of ['delivered', 'pending', 'failed'] as const) out.push(`katar_delivery_reports_total${labels({ queue: q, outcome: o })} ${c[o]}`);
    out.push('# HELP katar_delivery_reports_unmatched_total Status reports that matched no sent part within the hold time.', '# TYPE katar_delivery_reports_unmatched_total counter');
    for (const [q, c] of reports) out.push(`katar_delivery_reports_unmatched_total${labels({ queue: q })} ${c.unmatched}`);
    this.#renderEvents(out);
    this.#renderMqtt(out);
    out.push('# HELP katar_modem_up 1 when the modem is ready to send.', '# TYPE katar_modem_up gauge');
    for (const m of this.#modems.all()) out.push(`katar_modem_up${labels({ modem: m.name })} ${m.state === 'ready' ? 1 : 0}`);
    out.push('# HELP katar_modem_signal_dbm Received signal strength.', '# TYPE katar_modem_signal_dbm gauge');
    for (const m of this.#modems.all()) if (m.signalDbm !== undefined) out.push(`katar_modem_signal_dbm${labels({ modem: m.name })} ${m.signalDbm}`);
    // Both reasons of every modem, 0 or 1, so that an alert on one of them sees it start.
    out.push('# HELP katar_modem_paused 1 while pacing holds the modem: reason limit (a cap is reached) or window (outside its sending hours).', '# TYPE katar_modem_paused gauge');
    for (const m of this.#modems.all()) for (const reason of ['limit', 'window'] as const) out.push(`katar_modem_paused${labels({ modem: m.name, reason })} ${m.pauseReason === reason ? 1 : 0}`);
    // Every step of every modem from the start, at 0, so that rate() and alerts see the first one.
    out.push('# HELP katar_modem_recoveries_total Healing steps taken for a modem that stopped answering (reopen, reboot, usb-rebind, failed).', '# TYPE katar_modem_recoveries_total counter');
    for (const m of this.#modems.all()) {
      const counts = this.#modems.recoveries(m.name);
      for (const step of HEALING_STEPS) out.push(`katar_modem_recoveries_total${labels({ modem: m.name, step })} ${counts.get(step) ?? 0}`);
    }
    // The amount of each modem's latest balance check; none before the first, or when the pattern found none.
    const balances = (this.#controls?.balances() ?? []).filter(([, b]) => b.amount !== undefined);
    if (balances.length > 0) out.push('# HELP katar_modem_balance Prepaid balance from the latest USSD balance check, in the currency of the answer.', '# TYPE katar_modem_balance gauge');
    for (const [name, b] of balances) out.push(`katar_modem_balance${labels({ modem: name })} ${b.amount}`);
    const store = this.#queue.health();
    out.push('# HELP katar_store_writable 1 when the store can write.', '# TYPE katar_store_writable gauge', `katar_store_writable ${store.writable ? 1 : 0}`);
    if (store.freeBytes !== undefined) out.push('# HELP katar_store_free_bytes Free space of the data directory.', '# TYPE katar_store_free_bytes gauge', `katar_store_free_bytes ${store.freeBytes}`);
    out.push('# HELP katar_http_request_duration_seconds HTTP request latency.', '# TYPE katar_http_request_duration_seconds histogram');
    for (const [key, h] of this.#latency) {
      const inner = key.slice(1, -1);
      BUCKETS.forEach((b, i) => out.push(`katar_http_request_duration_seconds_bucket{${inner},le="${b}"} ${h.counts[i]}`));
      out.push(`katar_http_request_duration_seconds_bucket{${inner},le="+Inf"} ${h.count}`);
      out.push(`katar_http_request_duration_seconds_sum{${inner}} ${h.sum}`, `katar_http_request_duration_seconds_count{${inner}} ${h.count}`);
    }
    out.push(...processMetricLines());
    return out.join('\n') + '\n';
  }

  /** The MQTT bridge's counters since start (mqtt-bridge.ts), every label present from the start. */
  #renderMqtt(out: string[]): void {
    if (!this.#mqtt) return;
    const s = this.#mqtt.stats();
    out.push('# HELP katar_mqtt_connected 1 while the MQTT bridge is connected to its broker.', '# TYPE katar_mqtt_connected gauge', `katar_mqtt_connected ${s.connected ? 1 : 0}`);
    out.push('# HELP katar_mqtt_publishes_total MQTT publishes since start by kind: acknowledged by the broker (ok) or failed.', '# TYPE katar_mqtt_publishes_total counter');
    for (const [kind, n] of Object.entries(s.published)) out.push(`katar_mqtt_publishes_total${labels({ kind, outcome: 'ok' })} ${n}`);
    for (const [kind, n] of Object.entries(s.failed)) out.push(`katar_mqtt_publishes_total${labels({ kind, outcome: 'failed' })} ${n}`);
    out.push('# HELP katar_mqtt_sends_total Sends received over MQTT since start, by outcome.', '# TYPE katar_mqtt_sends_total counter');
    for (const [outcome, n] of Object.entries(s.sends)) out.push(`katar_mqtt_sends_total${labels({ outcome })} ${n}`);
    out.push('# HELP katar_mqtt_event_cursor Id of the last event up to which the broker acknowledged every event.', '# TYPE katar_mqtt_event_cursor gauge', `katar_mqtt_event_cursor ${s.eventCursor}`);
  }

  /** The event log's newest id and, per webhook, deliveries and dead letters. */
  #renderEvents(out: string[]): void {
    out.push('# HELP katar_events_newest_id Id of the newest event in the event log (0 before the first).', '# TYPE katar_events_newest_id gauge', `katar_events_newest_id ${this.#queue.events.bounds().newest}`);
    if (!this.#webhooks) return;
    const hooks = this.#webhooks.state();
    // Counted since start (the dispatcher's state), like every counter here.
    out.push('# HELP katar_webhook_deliveries_total Webhook POSTs since start: delivered (answered 2xx) or failed (an attempt that did not).', '# TYPE katar_webhook_deliveries_total counter');
    for (const w of hooks) {
      out.push(`katar_webhook_deliveries_total${labels({ webhook: w.name, outcome: 'delivered' })} ${w.delivered}`);
      out.push(`katar_webhook_deliveries_total${labels({ webhook: w.name, outcome: 'failed' })} ${w.failedAttempts}`);
    }
    out.push('# HELP katar_webhook_dead_letters Events given up on, kept in the store for redelivery.', '# TYPE katar_webhook_dead_letters gauge');
    for (const w of hooks) out.push(`katar_webhook_dead_letters${labels({ webhook: w.name })} ${w.deadLetters}`);
  }
}
