import { afterEach, describe, expect, it } from 'vitest';
import { builtinDrivers } from '../../drivers/index.js';
import { parseConfig } from '../../src/config.js';
import { gatewayParts } from '../../src/gateway/gateway-parts.js';
import { Metrics } from '../../src/http/metrics.js';
import { createLogger } from '../../src/log.js';
import { ModemSession } from '../../src/modem/session/session.js';
import { encodeStatusReport } from '../../src/modem/pdu/index.js';
import { FileQueue } from '../../src/queue/file-queue.js';
import { FileStore } from '../../src/queue/store/file-store.js';
import type { Task } from '../../src/queue/task.js';
import { SimulatedModem } from '../../src/simulator/index.js';
import type { PersonalityName } from '../../src/simulator/personalities/personality.js';
import { tpduLength } from '../../src/simulator/behaviours/index.js';
import { ModemWorker } from '../../src/worker/modem-worker.js';
import { startModemHarness, until, type ModemHarness } from '../helpers/modem-harness.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const LONG = 'Delivery reports land on the right task, every time. '.repeat(5); // 2 parts
const PERSONALITIES: PersonalityName[] = ['generic', 'simcom-sim800', 'simcom-sim7600', 'quectel', 'huawei'];

let h: ModemHarness | undefined;
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  await cleanup?.();
  cleanup = undefined;
});

const task = (q: FileQueue, id: string): Promise<Task> => q.get('sms', id);
const deliveryOf = async (q: FileQueue, id: string): Promise<string | undefined> => (await task(q, id)).delivery?.status;

/** A `+CDS` URC (delivered) for reference `mr` to `to`. */
function cdsLine(mr: number, to: string): string {
  const pdu = encodeStatusReport({ messageReference: mr, recipient: to, status: 0, serviceCentreTimestamp: new Date(), dischargeTime: new Date(), smsc: '+31624000000' });
  return `+CDS: ${tpduLength(pdu)}\r\n${pdu}`;
}

async function allDelivered(q: FileQueue, ids: string[], status = 'delivered'): Promise<void> {
  await until(async () => (await Promise.all(ids.map((id) => deliveryOf(q, id)))).every((s) => s === status), 10_000, `every task ${status}`);
}

describe('status reports: matched from the moment +CMGS answers', () => {
  it.each(PERSONALITIES)('%s: reports 0-5 ms after +CMGS, single and multipart: every task ends delivered', async (personality) => {
    h = await startModemHarness({ statusReports: true, sim: { personality, deliveryReportDelayMs: [0, 5], seed: 7 } });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await h.gateway.send({ to: `+6140434114${i}`, msg: i % 2 ? LONG : `short ${i}` }));
    for (const id of ids) expect(await h.finished(id)).toBe('done');
    await allDelivered(h.gateway.queue, ids);
    const long = await task(h.gateway.queue, ids[1]!);
    expect(long.delivery!.parts).toHaveLength(2);
    expect(long.delivery!.parts.map((p) => p.status)).toEqual(['delivered', 'delivered']);
    expect(long.delivery!.references).toEqual(h.sim.sent.filter((s) => s.to === '+61404341141').map((s) => s.mr));
    expect(h.gateway.queue.deliveries.counts('sms')).toMatchObject({ delivered: 9, unmatched: 0 });
  });

  it('holds a report that overtakes its own +CMGS answer and matches it once the part is recorded', async () => {
    h = await startModemHarness({ statusReports: true, sim: { deliveryReports: 'none' } });
    await h.session.whenReady();
    const sim = h.sim;
    // A misbehaving modem: +CDS on the wire before +CMGS (the harshest race there is).
    sim.on('sms-sent', (s: { mr: number; to: string }) => sim.injectUrc(cdsLine(s.mr, s.to)));
    const id = await h.gateway.send({ to: '+61404341143', msg: LONG });
    expect(await h.finished(id)).toBe('done');
    await allDelivered(h.gateway.queue, [id]);
  });

  it('a failed report (TP-ST 0x46) fails the delivery with the reason in words; the event fires once per change', async () => {
    h = await startModemHarness({ statusReports: true, sim: { deliveryReports: 0x46, deliveryReportDelayMs: 2 } });
    const events: string[] = [];
    h.gateway.on('delivery', (t) => events.push(`${t._id}:${t.delivery?.status}`));
    const id = await h.gateway.send({ to: '+61404341143', msg: LONG });
    expect(await h.finished(id)).toBe('done');
    await allDelivered(h.gateway.queue, [id], 'failed');
    const t = await task(h.gateway.queue, id);
    expect(t.status).toBe('done');
    expect(t.delivery).toMatchObject({ status: 'failed', reason: 'permanent error: validity period expired', reportStatus: 0x46 });
    expect(t.delivery!.parts[0]).toMatchObject({ status: 'failed', reportStatus: 0x46, reason: 'permanent error: validity period expired' });
    await until(() => h!.gateway.queue.deliveries.counts('sms').failed === 2, 5000, 'both reports');
    expect(events).toEqual([`${id}:failed`]);
    const metrics = new Metrics(h.gateway.parts).render();
    expect(metrics).toContain('katar_delivery_reports_total{queue="sms",outcome="failed"} 2');
    expect(metrics).toContain('katar_delivery_reports_unmatched_total{queue="sms"} 0');
  });

  it('after a modem power cycle, reused references to the same recipients reach the new tasks, never the old ones', async () => {
    h = await startModemHarness({ statusReports: true, sim: { personality: 'simcom-sim800', deliveryReports: 'none' } });
    const to = ['+61404341143', '+4915112345678', '+33612345678'];
    const before: string[] = [];
    for (const n of to) before.push(await h.gateway.send({ to: n, msg: `before ${n}` }));
    for (const id of before) expect(await h.finished(id)).toBe('done');
    const refsBefore = h.sim.sent.map((s) => s.mr);
    const n = h.sim.commands.length;
    h.sim.reboot();
    await until(() => h!.session.state === 'ready' && h!.sim.commands.slice(n).some((c) => c.startsWith('AT+CNMI=')), 10_000, 're-initialised after the power cycle');
    // The harshest timing: each report on the wire before its own +CMGS answer.
    const sim = h.sim;
    sim.on('sms-sent', (s: { mr: number; to: string }) => sim.injectUrc(cdsLine(s.mr, s.to)));
    const after: string[] = [];
    for (const n2 of to) after.push(await h.gateway.send({ to: n2, msg: `after ${n2}` }));
    for (const id of after) expect(await h.finished(id)).toBe('done');
    expect(h.sim.sent.slice(3).map((s) => s.mr)).toEqual(refsBefore); // the counter restarted: same references
    await allDelivered(h.gateway.queue, after);
    for (const id of before) expect((await task(h.gateway.queue, id)).delivery).toMatchObject({ status: 'pending', parts: [{ status: 'pending' }] });
    const newer = await task(h.gateway.queue, after[0]!);
    const older = await task(h.gateway.queue, before[0]!);
    expect(newer.delivery!.parts[0]!.epoch).toBe(older.delivery!.parts[0]!.epoch + 1);
  });

  it('a report that arrives after a gateway restart for a message sent before it is still matched', async () => {
    h = await startModemHarness({ statusReports: true, sim: { deliveryReports: 'none' } });
    const id = await h.gateway.send({ to: '+61404341143', msg: LONG });
    expect(await h.finished(id)).toBe('done');
    const sent = h.sim.sent.map((s) => ({ mr: s.mr, to: s.to }));
    await h.restart();
    await h.session.whenReady();
    for (const s of sent) h.sim.injectStatusReport({ mr: s.mr, to: s.to, status: 0 });
    await allDelivered(h.gateway.queue, [id]);
  });
});

describe('status reports: two modems on one queue', () => {
  it('with colliding references and recipients, each report marks its own modem\'s task', async () => {
    const tmp = await makeTmpDir();
    const logger = createLogger('silent');
    const config = parseConfig({ queues: { sms: {} } });
    const store = await FileStore.open(tmp.dir);
    const queue = await FileQueue.open({ store, queues: config.queues, sweepIntervalMs: 0 });
    const parts = gatewayParts(queue, { maxParts: 10 });
    // modem A reports every message delivered, modem B every message failed: a report that
    // crossed over would show on the other modem's task.
    const sims = [new SimulatedModem({ name: 'a', deliveryReports: 'delivered', deliveryReportDelayMs: [0, 5], sendLatencyMs: 5 }), new SimulatedModem({ name: 'b', deliveryReports: 0x46, deliveryReportDelayMs: [0, 5], sendLatencyMs: 5 })];
    const running = sims.map((sim, i) => {
      const name = `modem${i}`;
      const session = new ModemSession({ name, openPort: async () => sim.link(), drivers: builtinDrivers, statusReports: true, logger });
      const worker = new ModemWorker({ name, session, parts, queueName: 'sms', statusReports: true, logger });
      return { session, worker };
    });
    cleanup = async () => {
      for (const r of running) await r.worker.stop();
      for (const r of running) await r.session.close();
      for (const s of sims) s.dispose();
      queue.close();
      await store.close();
      await tmp.cleanup();
    };
    for (const r of running) r.worker.start();
    await Promise.all(running.map((r) => r.session.start()));
    await Promise.all(running.map((r) => r.session.whenReady()));
    // One recipient, and both modems count their references from 0: the first part each
    // modem sends has the same reference and recipient as the other's, however the 16
    // sends are shared between them.
    const ids: string[] = [];
    for (let i = 0; i < 16; i++) ids.push((await parts.intake.submit('sms', [{ to: '+61404341143', msg: i % 4 === 3 ? LONG : `message ${i}` }]))[0]!.task._id);
    await until(async () => (await Promise.all(ids.map(async (id) => (await task(queue, id)).delivery?.status))).every((s) => s === 'delivered' || s === 'failed'), 15_000, 'every delivery settled');
    const byModem = { modem0: 0, modem1: 0 };
    for (const id of ids) {
      const t = await task(queue, id);
      const worker = t.attempts.at(-1)!.worker;
      const expected = worker === 'builtin:modem0' ? 'delivered' : 'failed';
      expect(t.delivery!.status, `${id} sent by ${worker}`).toBe(expected);
      expect(t.delivery!.parts.every((p) => p.modem.startsWith(`${worker.slice('builtin:'.length)}:`))).toBe(true);
      byModem[worker.slice('builtin:'.length) as keyof typeof byModem]++;
    }
    // both modems sent, and their references collided
    expect(byModem.modem0).toBeGreaterThan(0);
    expect(byModem.modem1).toBeGreaterThan(0);
    const refs = sims.map((s) => new Set(s.sent.map((p) => `${p.mr}|${p.to}`)));
    expect([...refs[0]!].some((k) => refs[1]!.has(k))).toBe(true);
  });
});
