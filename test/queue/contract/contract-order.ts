import { describe, expect, it } from 'vitest';
import { START, addOne, ids, iso, leaseOne, sms, type OpenQueue } from './contract-kit.js';

/** Which task a lease hands out, and when. */
export function orderContract(open: OpenQueue): void {
  describe('order', () => {
    it('hands out the highest priority first, then in insertion order', async () => {
      const { q } = await open();
      const added = await q.add('sms', [sms('+1', { priority: -10 }), sms('+2'), sms('+3', { priority: 10 }), sms('+4')]);
      const [low, first, high, second] = added.map((a) => a.task._id);
      const order: string[] = [];
      for (let i = 0; i < 4; i++) order.push((await leaseOne(q, 'w'))._id);
      expect(order).toEqual([high, first, second, low]);
      expect(await q.lease('sms', 'w', 1)).toEqual([]);
    });

    it('a lease of several hands them out in that order, and each task only once', async () => {
      const { q } = await open();
      const added = await q.add('sms', [sms('+1'), sms('+2', { priority: 5 }), sms('+3')]);
      const [a, b, c] = added.map((x) => x.task._id);
      expect(ids(await q.lease('sms', 'w1', 2))).toEqual([b, a]);
      expect(ids(await q.lease('sms', 'w2', 2))).toEqual([c]);
      expect(await q.lease('sms', 'w3', 2)).toEqual([]);
    });

    it('does not hand out a task before its sendAt, whatever its priority', async () => {
      const { q, clock } = await open();
      const later = await addOne(q, sms('+1', { priority: 10, sendAt: new Date(START + 10_000) }));
      const now = await addOne(q, sms('+2'));
      expect(ids(await q.lease('sms', 'w', 5))).toEqual([now._id]);
      clock.advance(9_999);
      expect(await q.lease('sms', 'w', 5)).toEqual([]);
      clock.advance(1);
      expect(ids(await q.lease('sms', 'w', 5))).toEqual([later._id]);
    });

    it('sendAt is wall time: a step of the wall clock makes the task due', async () => {
      const { q, clock } = await open();
      const t = await addOne(q, sms('+1', { sendAt: new Date(START + 3_600_000) }));
      expect(await q.lease('sms', 'w', 1)).toEqual([]);
      clock.setWall(START + 3_600_000);
      expect(ids(await q.lease('sms', 'w', 1))).toEqual([t._id]);
    });

    it('honours the retry backoff: initialDelayMs after the first failure, times factor after the next', async () => {
      const { q, clock } = await open();
      const t = await addOne(q);
      await leaseOne(q, 'w');
      await q.report('sms', 'w', [{ _id: t._id, status: 'failed', error: 'e1' }]);
      expect((await q.get('sms', t._id)).notBefore).toBe(iso(START + 1_000));
      clock.advance(999);
      expect(await q.lease('sms', 'w', 1)).toEqual([]);
      clock.advance(1);
      await leaseOne(q, 'w');
      await q.report('sms', 'w', [{ _id: t._id, status: 'failed', error: 'e2' }]);
      expect((await q.get('sms', t._id)).notBefore).toBe(iso(START + 1_000 + 2_000));
      clock.advance(1_999);
      expect(await q.lease('sms', 'w', 1)).toEqual([]);
      clock.advance(1);
      expect((await leaseOne(q, 'w'))._id).toBe(t._id);
    });

    it('a backed-off task does not hold back the tasks behind it', async () => {
      const { q } = await open();
      const [a, b] = (await q.add('sms', [sms('+1'), sms('+2')])).map((x) => x.task);
      await leaseOne(q, 'w');
      await q.report('sms', 'w', [{ _id: a!._id, status: 'failed', error: 'busy' }]);
      expect(ids(await q.lease('sms', 'w', 5))).toEqual([b!._id]);
    });

    it('a backoff is a duration: a forward step of the wall clock does not end it early', async () => {
      const { q, clock } = await open();
      const t = await addOne(q);
      await leaseOne(q, 'w');
      await q.report('sms', 'w', [{ _id: t._id, status: 'failed', error: 'e' }]);
      clock.setWall(START + 365 * 86_400_000);
      expect(await q.lease('sms', 'w', 1)).toEqual([]);
      clock.advance(1_000);
      expect(ids(await q.lease('sms', 'w', 1))).toEqual([t._id]);
    });

    it('waitForWork resolves at once while a task of that queue is ready, and waits while none is', async () => {
      const { q, clock } = await open();
      const t = await addOne(q);
      expect(await settlesWithin(q.waitForWork('sms', 10_000), 1_000)).toBe(true);
      // Ready work of another queue is no work of this one.
      const other = new AbortController();
      expect(await settlesWithin(q.waitForWork('other', 10_000, other.signal), 100)).toBe(false);
      other.abort();
      await leaseOne(q, 'w');
      await q.report('sms', 'w', [{ _id: t._id, status: 'failed', error: 'busy' }]);
      const backingOff = new AbortController();
      expect(await settlesWithin(q.waitForWork('sms', 10_000, backingOff.signal), 100)).toBe(false);
      backingOff.abort();
      clock.advance(1_000);
      expect(await settlesWithin(q.waitForWork('sms', 10_000), 1_000)).toBe(true);
    });

    it('nextPriority is the priority of the task the next lease would hand out', async () => {
      const { q } = await open();
      expect(q.nextPriority('sms')).toBeUndefined();
      await q.add('sms', [sms('+1'), sms('+2', { priority: 10 }), sms('+3', { priority: 20, sendAt: new Date(START + 60_000) })]);
      expect(q.nextPriority('sms')).toBe(10);
      await leaseOne(q, 'w');
      expect(q.nextPriority('sms')).toBe(0);
      await leaseOne(q, 'w');
      expect(q.nextPriority('sms')).toBeUndefined();
      expect(q.nextPriority('other')).toBeUndefined();
    });
  });
}

/** Whether `p` settles within `ms` of real time (waitForWork's own timer is real time). */
async function settlesWithin(p: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const settled = await Promise.race([p.then(() => true), late]);
  clearTimeout(timer);
  return settled;
}
