import { afterEach, describe, expect, it } from 'vitest';
import { FileQueue } from '../../src/queue/file-queue.js';
import { FileStore } from '../../src/queue/store/file-store.js';
import { outcome } from '../../src/simulator/index.js';
import { startModemHarness, until, type ModemHarness } from '../helpers/modem-harness.js';
import { testSettings } from '../helpers/queue-fixture.js';

let h: ModemHarness;
afterEach(async () => h?.close());

describe('built-in worker: sending', () => {
  it('sends a queued SMS through AT+CMGS and marks the task done with its message reference', async () => {
    h = await startModemHarness();
    const id = await h.gateway.send({ to: '+61404341143', msg: 'Hello from katar' });
    expect(await h.finished(id)).toBe('done');
    expect(h.sim.sentMessages().map((m) => [m.to, m.text])).toEqual([['+61404341143', 'Hello from katar']]);
    const t = await h.gateway.queue.get('sms', id);
    expect(t.attempts).toHaveLength(1);
    expect(t.attempts[0]).toMatchObject({ worker: 'builtin:sim0', outcome: 'done' });
  });

  it('sends multipart and Unicode messages, each part once, reassembled by the receiver', async () => {
    h = await startModemHarness();
    const long = 'Lorem ipsum dolor sit amet '.repeat(12);
    const emoji = 'Привет 👋 '.repeat(10);
    const a = await h.gateway.send({ to: '+61404341143', msg: long });
    const b = await h.gateway.send({ to: '+4915112345678', msg: emoji });
    expect(await h.finished(a)).toBe('done');
    expect(await h.finished(b)).toBe('done');
    const texts = h.sim.sentMessages().map((m) => m.text);
    expect(texts).toEqual([long, emoji]);
    expect(h.sim.sent.length).toBe(3 + 2);
    expect((await h.gateway.queue.get('sms', a)).delivery).toBeUndefined();
  });

  it('sends the highest priority first', async () => {
    h = await startModemHarness({ sim: { sendLatencyMs: 20 } });
    await h.session.whenReady();
    const first = await h.gateway.send({ to: '+61404341143', msg: 'first' });
    const low = await h.gateway.send({ to: '+61404341143', msg: 'low' }, -10);
    const high = await h.gateway.send({ to: '+61404341143', msg: 'high' }, 10);
    await Promise.all([first, low, high].map((id) => h.finished(id)));
    const order = h.sim.sentMessages().map((m) => m.text);
    expect(order.indexOf('high')).toBeLessThan(order.indexOf('low'));
  });

  it('retries after a +CMS ERROR and sends once', async () => {
    h = await startModemHarness();
    let refused = 0;
    h.sim.use({ name: 'refuse-once', match: (c) => c.name === '+CMGS', handle: () => (refused++ === 0 ? outcome.cms(331) : undefined) });
    const id = await h.gateway.send({ to: '+61404341143', msg: 'retry me' });
    expect(await h.finished(id)).toBe('done');
    const t = await h.gateway.queue.get('sms', id);
    expect(t.attempts.map((a) => a.outcome)).toEqual(['failed', 'done']);
    expect(t.attempts[0]!.error).toMatch(/CMS_ERROR/);
    expect(h.sim.sentMessages()).toHaveLength(1);
  });
});

describe('built-in worker: status reports', () => {
  it.each([
    ['delivered', 'delivered'],
    ['failed', 'failed'],
  ] as const)('marks a task %s when the network reports it so, matched by reference and recipient', async (report, expected) => {
    h = await startModemHarness({ statusReports: true, sim: { deliveryReports: report, deliveryReportDelayMs: 20 } });
    const id = await h.gateway.send({ to: '+61404341143', msg: 'report me' });
    expect(await h.finished(id)).toBe('done');
    await until(async () => (await h.gateway.queue.get('sms', id)).delivery?.status === expected, 5000, `delivery ${expected}`);
    const t = await h.gateway.queue.get('sms', id);
    expect(t.delivery?.references).toEqual([h.sim.sent[0]!.mr]);
  });
});

describe('built-in worker: never twice', () => {
  it('fails a message as "outcome unknown" when the modem goes silent after the PDU, and never resends it', async () => {
    h = await startModemHarness({ cmgsTimeoutMs: 300 });
    await h.session.whenReady();
    // the modem takes the PDU and never answers
    h.sim.use({ name: 'silent-after-pdu', match: (c) => c.name === '+CMGS' && c.kind === 'set', handle: () => outcome.prompt(() => outcome.silent()) });
    const id = await h.gateway.send({ to: '+61404341143', msg: 'maybe sent' });
    expect(await h.finished(id)).toBe('failed');
    const t = await h.gateway.queue.get('sms', id);
    expect(t.error).toMatch(/outcome unknown/);
    expect(t.attempts).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(h.sim.commands.filter((c) => c.startsWith('AT+CMGS'))).toHaveLength(1);
  });

  it('after a crash while the modem was sending, fails the task instead of sending it again', async () => {
    h = await startModemHarness({ sim: { sendLatencyMs: 2000 } });
    await h.session.whenReady();
    const id = await h.gateway.send({ to: '+61404341143', msg: 'in flight at the crash' });
    await until(() => h.sim.commands.some((c) => c.startsWith('AT+CMGS')), 5000, 'AT+CMGS');
    await until(async () => (await h.gateway.queue.get('sms', id)).lease?.submitting === true, 5000, 'submitting mark');
    // What a process started now (after kill -9) finds on disk:
    const store = await FileStore.open(h.dir);
    const q = await FileQueue.open({ store, queues: { sms: testSettings() }, sweepIntervalMs: 0 });
    const t = await q.get('sms', id);
    expect(t.status).toBe('failed');
    expect(t.error).toMatch(/outcome unknown/);
    await q.close();
    await store.abandon(); // the harness's gateway still owns the directory: write nothing more
  });
});
