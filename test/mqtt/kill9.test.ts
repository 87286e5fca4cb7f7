import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startChild, type ChildGateway } from '../helpers/child-gateway.js';
import { until } from '../helpers/modem-harness.js';
import { hasPtyRelay, simOnPty } from '../helpers/sim-on-pty.js';
import { testClient, uniqueName } from './mqtt-harness.js';

/**
 * Sends over MQTT across kill -9: the real gateway (`serve`, a child process) on the
 * simulated modem over a pty; a producer publishes sends without pause, alternately at
 * QoS 1 with an idempotency key and at QoS 2 without one, while the gateway is killed
 * with SIGKILL at random moments and restarted on the same data dir (the broker queues
 * what arrives meanwhile for the gateway's persistent session). The simulator's record,
 * which survives every crash, is the judge: every message the broker took has exactly
 * one task, and no SMS went out twice. The last will says `offline` after each kill,
 * and every event of the log reached MQTT.
 */
const broker = inject('mosquitto');
/** Kill cycles per protocol version: MQTT 5, and 3.1.1 (where the client's own PUBREC is held back too). */
const RUNS = [
  { protocolVersion: 5, cycles: 3 },
  { protocolVersion: 4, cycles: 2 },
] as const;

interface Task {
  _id: string;
  status: string;
  data: { msg: string };
}

async function allTasks(url: string): Promise<Task[]> {
  const tasks: Task[] = [];
  for (let cursor: string | undefined; ; ) {
    const res = await fetch(`${url}/v1/queue/sms/tasks?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    if (res.status !== 200) throw new Error(`tasks: ${res.status} ${await res.text()}`);
    const page = (await res.json()) as { tasks: Task[]; next?: string };
    tasks.push(...page.tasks);
    if (!page.next) return tasks;
    cursor = page.next;
  }
}

describe.skipIf(!hasPtyRelay || !broker.url)(`sends over MQTT across kill -9 cycles ${broker.reason ?? ''}`, () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it.each(RUNS)('MQTT $protocolVersion: loses no send and sends none twice, at QoS 1 with keys and QoS 2 without', async ({ protocolVersion, cycles: CYCLES }) => {
    const { sim, path, dir, close } = await simOnPty({ name: 'mqtt-kill9', sendLatencyMs: 20 });
    cleanups.push(close);
    const prefix = uniqueName('kill9');
    const config = join(dir, 'config.json');
    await writeFile(config, JSON.stringify({ rateLimit: { max: 1_000_000, windowMs: 1000 }, mqtt: { url: broker.url, topicPrefix: prefix, clientId: prefix, discovery: false, protocolVersion } }));
    const args = ['serve', '--config', config, '--modem', path, '--port', '0', '--data-dir', join(dir, 'data'), '--log-level', 'info'];
    const watcher = await testClient(broker.url!, [`${prefix}/status`, `${prefix}/event/#`, `${prefix}/send/result`], { clean: false, clientId: `${prefix}-watch`, properties: { sessionExpiryInterval: 3600 } });
    cleanups.push(() => watcher.close());
    const producer = await testClient(broker.url!, [], { clean: false, clientId: `${prefix}-producer`, properties: { sessionExpiryInterval: 3600 } });
    cleanups.push(() => producer.close());
    let gw: ChildGateway | undefined;
    cleanups.push(async () => {
      gw?.proc.kill('SIGKILL');
      await gw?.exited;
    });
    const ready = async (url: string): Promise<boolean> => {
      try {
        const h = (await (await fetch(`${url}/healthz`)).json()) as { modems: Array<{ state: string }> };
        return h.modems[0]?.state === 'ready';
      } catch {
        return false;
      }
    };
    const status = (): string | undefined => watcher.on(`${prefix}/status`).at(-1)?.payload;

    const published = new Map<string, 1 | 2>(); // text -> QoS, once the broker took it
    let next = 0;
    let producing = true;
    // From the first start on: before it, the broker has no session of the gateway to keep sends for.
    let firstOnline: () => void = () => undefined;
    const online = new Promise<void>((resolve) => (firstOnline = resolve));
    const produce = (async () => {
      await online;
      while (producing) {
        const text = `mqtt-${next}`;
        const qos = next % 2 === 0 ? 1 : 2;
        next++;
        const body = qos === 1 ? { to: '+61404341143', msg: text, idempotencyKey: text } : { to: '+61404341143', msg: text };
        try {
          await producer.publish(`${prefix}/send`, JSON.stringify(body), { qos });
        } catch {
          return; // the test ended (failed) under the producer
        }
        published.set(text, qos);
        await new Promise((r) => setTimeout(r, 15 + Math.random() * 30));
      }
    })();

    let offlineAfterKill = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      gw = await startChild(args);
      const url = gw.url;
      await until(() => ready(url), 20_000, `modem ready (cycle ${cycle})`);
      await until(() => status() === 'online', 10_000, `online (cycle ${cycle})`);
      if (cycle === 0) firstOnline(); // online: subscribed
      await new Promise((r) => setTimeout(r, 400 + Math.random() * 1200));
      gw.proc.kill('SIGKILL');
      await gw.exited;
      // The broker publishes the last will once the connection dies.
      await until(() => status() === 'offline', 10_000, `offline by the last will (cycle ${cycle})`);
      offlineAfterKill++;
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 400)); // sends pile up at the broker
    }

    gw = await startChild(args);
    const url = gw.url;
    await until(() => ready(url), 20_000, 'modem ready (final)');
    producing = false;
    await produce;
    // Every message the broker took becomes a task, and every task leaves the queue.
    let state = '';
    await until(async () => {
      await new Promise((r) => setTimeout(r, 100));
      const tasks = await allTasks(url);
      const by = new Map<string, number>();
      for (const t of tasks) by.set(t.status, (by.get(t.status) ?? 0) + 1);
      state = `${tasks.length} tasks: ${[...by].map(([k, v]) => `${k} ${v}`).join(', ')}`;
      return tasks.length >= published.size && tasks.every((t) => t.status === 'done' || t.status === 'failed');
    }, 40_000, 'every send handled').catch((err: Error) => {
      throw new Error(`${err.message}: ${published.size} published, ${state}`);
    });

    const tasks = await allTasks(url);
    const sentCount = new Map<string, number>();
    for (const m of sim.sentMessages()) sentCount.set(m.text, (sentCount.get(m.text) ?? 0) + 1);
    const tasksOf = new Map<string, Task[]>();
    for (const t of tasks) tasksOf.set(t.data.msg, [...(tasksOf.get(t.data.msg) ?? []), t]);
    const problems: string[] = [];
    for (const [text, qos] of published) {
      const ts = tasksOf.get(text) ?? [];
      const n = sentCount.get(text) ?? 0;
      if (ts.length !== 1) problems.push(`${text} (QoS ${qos}): ${ts.length} tasks`);
      else if (ts[0]!.status === 'done' && n !== 1) problems.push(`${text} (QoS ${qos}): done but sent ${n} times`);
      else if (ts[0]!.status === 'failed' && n > 1) problems.push(`${text} (QoS ${qos}): failed but sent ${n} times`);
    }
    for (const [text, n] of sentCount) {
      if (!published.has(text)) problems.push(`${text}: sent but never published`);
      if (n > 1) problems.push(`${text}: sent ${n} times`);
    }
    // Every event of the log was published (at least once).
    const newest = (await (await fetch(`${url}/v1/events?limit=1`)).json()) as { events: unknown[] };
    expect(newest.events.length).toBe(1);
    const log: Array<{ id: number }> = [];
    for (let after = 0; ; ) {
      const page = (await (await fetch(`${url}/v1/events?after=${after}&limit=1000`)).json()) as { events: Array<{ id: number }>; next: number };
      log.push(...page.events);
      if (page.events.length < 1000) break;
      after = page.next;
    }
    const seen = (): Set<number> => new Set(watcher.messages.filter((m) => m.topic.startsWith(`${prefix}/event/`)).map((m) => (JSON.parse(m.payload) as { id: number }).id));
    await until(() => log.every((e) => seen().has(e.id)), 20_000, 'every event on MQTT');
    const failed = tasks.filter((t) => t.status === 'failed').length;
    // A redelivery after a crash between the write and the acknowledgement answers "duplicate".
    const duplicates = watcher.on(`${prefix}/send/result`).filter((m) => (JSON.parse(m.payload) as { duplicate?: boolean }).duplicate).length;
    console.log(`mqtt ${protocolVersion} kill -9: ${CYCLES} kills, ${published.size} sends published (${[...published.values()].filter((q) => q === 2).length} at QoS 2), ${sim.sentMessages().length} sent, ${failed} failed as outcome unknown, ${duplicates} redeliveries recognised, ${log.length} events`);
    expect(problems.slice(0, 30)).toEqual([]);
    expect(offlineAfterKill).toBe(CYCLES);
    expect(published.size).toBeGreaterThan(CYCLES * 10);
    gw.proc.kill('SIGTERM');
    await gw.exited;
    await until(() => status() === 'offline', 5000, 'offline at a clean stop');
  }, 120_000);
});
