import { describe, expect, it } from 'vitest';
import type { SmsQueue } from '../../../src/queue/sms-queue.js';
import type { Task } from '../../../src/queue/task.js';
import { START, addOne, iso, leaseOne, type OpenQueue } from './contract-kit.js';

const MODEM = 'modem0:001010000000001';
const OTHER_MODEM = 'modem1:001010000000002';
const TO = '+61404341143';
const WORKER = 'modem-worker';

/** A one-part task sent through MODEM with TP-MR `reference`, as the modem worker records it; done when `done`. */
async function sentTask(q: SmsQueue, reference: number, done = true): Promise<Task> {
  const t = await addOne(q, { data: { to: TO, msg: 'x' }, parts: 1 });
  await leaseOne(q, WORKER);
  q.deliveries.sending(MODEM);
  await q.deliveries.sent('sms', { taskId: t._id, index: 0, modem: MODEM, reference, recipient: TO });
  q.deliveries.ended(MODEM);
  if (done) await q.report('sms', WORKER, [{ _id: t._id, status: 'done', references: [reference], awaitingReport: true }]);
  return t;
}

/** Status reports matched to the parts a modem sent. */
export function deliveryContract(open: OpenQueue): void {
  describe('deliveries', () => {
    it('a sent part is pending on its task until a report comes', async () => {
      const { q } = await open();
      const t = await sentTask(q, 7);
      const d = (await q.get('sms', t._id)).delivery;
      expect(d).toMatchObject({ status: 'pending', references: [7], parts: [{ reference: 7, modem: MODEM, sentAt: iso(START), status: 'pending' }] });
    });

    it('a report matched by modem and message reference marks the task delivered', async () => {
      const { q, clock } = await open();
      const t = await sentTask(q, 7);
      clock.advance(2_000);
      // SMSCs give the recipient in national or international form: both match.
      expect(await q.deliveries.report('sms', { modem: MODEM, reference: 7, recipient: '0404341143', status: 0x00 })).toBe('matched');
      const task = await q.get('sms', t._id);
      expect(task.status).toBe('done');
      expect(task.delivery).toMatchObject({ status: 'delivered', references: [7], reportStatus: 0, parts: [{ reference: 7, modem: MODEM, status: 'delivered', reportStatus: 0, reportedAt: iso(START + 2_000) }] });
      expect(q.deliveries.counts('sms')).toEqual({ delivered: 1, pending: 0, failed: 0, unmatched: 0 });
    });

    it('a permanent error report fails the delivery, with the reason', async () => {
      const { q } = await open();
      const t = await sentTask(q, 9);
      expect(await q.deliveries.report('sms', { modem: MODEM, reference: 9, recipient: TO, status: 0x43 })).toBe('matched');
      const d = (await q.get('sms', t._id)).delivery!;
      expect(d.status).toBe('failed');
      expect(d.reason).toEqual(expect.any(String));
      expect(q.deliveries.counts('sms')).toMatchObject({ failed: 1, delivered: 0 });
    });

    it('a report for an unknown reference, or from another modem, is not matched and changes nothing', async () => {
      const { q } = await open();
      const t = await sentTask(q, 7);
      const before = await q.get('sms', t._id);
      expect(await q.deliveries.report('sms', { modem: MODEM, reference: 8, recipient: TO, status: 0 })).toBe('held');
      expect(await q.deliveries.report('sms', { modem: OTHER_MODEM, reference: 7, recipient: TO, status: 0 })).toBe('held');
      expect(await q.deliveries.report('other', { modem: MODEM, reference: 7, recipient: TO, status: 0 })).toBe('held');
      expect(await q.get('sms', t._id)).toEqual(before);
      expect(q.deliveries.counts('sms')).toMatchObject({ delivered: 0, pending: 0, failed: 0 });
    });

    it('a report that comes while its modem is sending waits, and matches once the send is recorded', async () => {
      const { q } = await open();
      const t = await addOne(q, { data: { to: TO, msg: 'x' }, parts: 1 });
      await leaseOne(q, WORKER);
      const delivered = new Promise<Task>((resolve) => q.on('delivery', resolve));
      q.deliveries.sending(MODEM);
      expect(await q.deliveries.report('sms', { modem: MODEM, reference: 3, recipient: TO, status: 0 })).toBe('held');
      await q.deliveries.sent('sms', { taskId: t._id, index: 0, modem: MODEM, reference: 3, recipient: TO });
      q.deliveries.ended(MODEM);
      expect((await delivered)._id).toBe(t._id);
      await q.report('sms', WORKER, [{ _id: t._id, status: 'done', references: [3], awaitingReport: true }]);
      expect((await q.get('sms', t._id)).delivery?.status).toBe('delivered');
    });

    it('the sent parts outlive a restart: a report after it still finds its task', async () => {
      const env = await open();
      const t = await sentTask(env.q, 200);
      const q = await env.restart();
      expect(await q.deliveries.report('sms', { modem: MODEM, reference: 200, recipient: TO, status: 0 })).toBe('matched');
      expect((await q.get('sms', t._id)).delivery?.status).toBe('delivered');
    });

    it('the matched report outlives a restart', async () => {
      const env = await open();
      const t = await sentTask(env.q, 5);
      await env.q.deliveries.report('sms', { modem: MODEM, reference: 5, recipient: TO, status: 0 });
      const before = await env.q.get('sms', t._id);
      const q = await env.restart();
      expect(await q.get('sms', t._id)).toEqual(before);
    });
  });
}
