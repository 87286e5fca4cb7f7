import { randomBytes } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { until } from '../helpers/modem-harness.js';

/** One message a test client received. */
export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
  qos: number;
  correlationData?: Buffer;
}

/** A test client on the broker that records every message of its subscriptions. */
export interface TestClient {
  client: MqttClient;
  messages: Received[];
  /** Messages on exactly `topic`. */
  on(topic: string): Received[];
  /** Waits until `n` messages arrived on `topic`; resolves with them. */
  waitFor(topic: string, n?: number, timeoutMs?: number): Promise<Received[]>;
  /** Publishes and waits for the broker's acknowledgement. */
  publish(topic: string, payload: string | Buffer, opts?: { qos?: 0 | 1 | 2; properties?: Record<string, unknown> }): Promise<void>;
  close(): Promise<void>;
}

/** A prefix and client id of their own for each test, so tests share the broker without meeting. */
export function uniqueName(tag: string): string {
  return `t-${tag}-${randomBytes(4).toString('hex')}`;
}

/** Connects a clean-session client subscribed to `filters`. */
export async function testClient(url: string, filters: string[], opts: IClientOptions = {}): Promise<TestClient> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 5, clean: true, clientId: uniqueName('client'), reconnectPeriod: 200, ...opts });
  const messages: Received[] = [];
  client.on('message', (topic, payload, packet) => {
    messages.push({ topic, payload: payload.toString('utf8'), retain: packet.retain, qos: packet.qos, ...(packet.properties?.correlationData && { correlationData: packet.properties.correlationData }) });
  });
  if (filters.length) await client.subscribeAsync(filters, { qos: 1 });
  const on = (topic: string): Received[] => messages.filter((m) => m.topic === topic);
  return {
    client,
    messages,
    on,
    async waitFor(topic, n = 1, timeoutMs = 10_000) {
      await until(() => on(topic).length >= n, timeoutMs, `${n} message(s) on ${topic} (got ${on(topic).length}: ${on(topic).map((m) => m.payload.slice(0, 80)).join(' | ')})`);
      return on(topic);
    },
    async publish(topic, payload, o = {}) {
      await client.publishAsync(topic, payload, { qos: o.qos ?? 1, ...(o.properties && { properties: o.properties }) });
    },
    async close() {
      await client.endAsync(true);
    },
  };
}
