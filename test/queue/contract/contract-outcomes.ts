import { describe, expect, it } from 'vitest';
import { START, addOne, attemptsOf, codeOf, iso, leaseOne, sms, type OpenQueue } from './contract-kit.js';

/** What the workers' reports do, and validity. */
export function outcomeContract(open: OpenQueue): void {
  describe('reports and retries', () => {
    it('a failed report requeues the task with its error until maxAttempts, then fails it with the last error', async () => {
      const { q, clock } = await open();
      const t = await addOne(q);
      await leaseOne(q, 'w');
      await q.report('sms', 'w', [{ _id: t._id, status: 'failed', error: 'boom 1' }]);
      const retried = await q.get('sms', t._id);
      expect(retried.status).toBe('queued');
      expect(retried.error).toBe('boom 1');
      expect(retried.attempts.map((a) => [a.outcome, a.error])).toEqual([['failed', 'boom 1']]);
      clock.advance(1_000);
      await leaseOne(q, 'w');
      await q.report('sms', 'w', [{ _id: t._id, status: 'failed', error: 'boom 2' }]);
      clock.advance(2_000);
      await leaseOne(q, 'w');
      await q.report('sms', 'w', [{ _id: t._id, status: 'failed', error: 'boom 3' }]);
      const failed = await q.get('sms', t._id);
      expect(failed.status).toBe('failed');
      expect(failed.error).toBe('boom 3');
      expect(failed.attempts.map((a) => [a.n, a.outcome, a.error])).toEqual([
        [1, 'failed', 'boom 1'],
        [2, 'failed', 'boom 2'],
        [3, 'failed', 'boom 3'],
      ]);
      expect(failed.finishedAt).toBe(iso(START + 3_000));
      clock.advance(60_000);
      expect(await q.lease('sms', 'w', 1)).toEqual([]);
    });

    it('a done report after a failure finishes the task as done', async () => {
      const { q, clock } = await open();
      const t = await addOne(q);
      await leaseOne(q, 'w');
      await q.report('sms', 'w', [{ _id: t._id, status: 'failed', error: 'busy' }]);
      clock.advance(1_000);
      await leaseOne(q, 'w');
      await q.report('sms', 'w', [{ _id: t._id, status: 'done' }]);
      const done = await q.get('sms', t._id);
      expect(done.status).toBe('done');
      expect(attemptsOf(done)).toEqual([
        [1, 'w', 'failed'],
        [2, 'w', 'done'],
      ]);
      expect(done.finishedAt).toBe(iso(START + 1_000));
    });

    it('an unknown report fails the task as "outcome unknown"', async () => {
      const { q } = await open();
      const t = await addOne(q);
      await leaseOne(q, 'w');
      await q.report('sms', 'w', [{ _id: t._id, status: 'unknown', error: 'no answer after the PDU' }]);
      const failed = await q.get('sms', t._id);
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatch(/outcome unknown/);
      expect(attemptsOf(failed)).toEqual([[1, 'w', 'unknown']]);
    });

    it('repeating a done report is harmless', async () => {
      const { q } = await open();
      const t = await addOne(q);
      await leaseOne(q, 'w');
      let doneEvents = 0;
      q.on('done', () => doneEvents++);
      await q.report('sms', 'w', [{ _id: t._id, status: 'done' }]);
      const first = await q.get('sms', t._id);
      await q.report('sms', 'w', [{ _id: t._id, status: 'done' }]);
      expect(await q.get('sms', t._id)).toEqual(first);
      expect(doneEvents).toBe(1);
    });

    it('repeating a failed report while the task backs off changes nothing: the backoff runs on', async () => {
      const { q, clock } = await open();
      const t = await addOne(q);
      await leaseOne(q, 'w');
      await q.report('sms', 'w', [{ _id: t._id, status: 'failed', error: 'busy' }]);
      const first = await q.get('sms', t._id);
      expect(first.notBefore).toBe(iso(START + 1_000));
      let events = 0;
      q.on('status', () => events++);
      clock.advance(600);
      await q.report('sms', 'w', [{ _id: t._id, status: 'failed', error: 'busy' }]);
      await q.reportAndLease('sms', 'w', [{ _id: t._id, status: 'failed', error: 'busy' }], 0);
      // A worker that never held it is still refused.
      expect(await codeOf(() => q.report('sms', 'other', [{ _id: t._id, status: 'failed', error: 'busy' }]))).toBe('LEASE_LOST');
      expect(await q.get('sms', t._id)).toEqual(first);
      expect(events).toBe(0);
      clock.advance(400);
      expect(attemptsOf(await leaseOne(q, 'w'))).toEqual([
        [1, 'w', 'failed'],
        [2, 'w', undefined],
      ]);
    });

    it('a repeated failed report on a backed-off task that was paused leaves it paused', async () => {
      const { q, clock } = await open();
      const t = await addOne(q);
      await leaseOne(q, 'w');
      await q.report('sms', 'w', [{ _id: t._id, status: 'failed', error: 'busy' }]);
      const paused = await q.pause('sms', t._id);
      clock.advance(2_000);
      await q.report('sms', 'w', [{ _id: t._id, status: 'failed', error: 'busy' }]);
      expect(await q.get('sms', t._id)).toEqual(paused);
    });

    it('a batch that reports one task twice applies it once, and refuses contradicting reports with VALIDATION', async () => {
      const { q } = await open();
      const [a, b] = (await q.add('sms', [sms('+1'), sms('+2')])).map((x) => x.task);
      await leaseOne(q, 'w');
      await leaseOne(q, 'w');
      let events = 0;
      q.on('status', () => events++);
      const failed = { _id: a!._id, status: 'failed' as const, error: 'busy' };
      await q.report('sms', 'w', [failed, failed]);
      expect(events).toBe(1);
      expect(attemptsOf(await q.get('sms', a!._id))).toEqual([[1, 'w', 'failed']]);
      const held = await q.get('sms', b!._id);
      expect(await codeOf(() => q.report('sms', 'w', [{ _id: b!._id, status: 'done' }, { _id: b!._id, status: 'failed', error: 'x' }]))).toBe('VALIDATION');
      expect(await q.get('sms', b!._id)).toEqual(held);
      expect(q.counts('sms')).toMatchObject({ queued: 1, 'in progress': 1, done: 0 });
    });

    it('repeating the report that failed a task for good is harmless', async () => {
      const { q } = await open({ sms: { maxAttempts: 1 } });
      const t = await addOne(q);
      await leaseOne(q, 'w');
      await q.report('sms', 'w', [{ _id: t._id, status: 'failed', error: 'rejected' }]);
      const first = await q.get('sms', t._id);
      expect(first.status).toBe('failed');
      await q.report('sms', 'w', [{ _id: t._id, status: 'failed', error: 'rejected' }]);
      expect(await q.get('sms', t._id)).toEqual(first);
    });
  });

  describe('validity', () => {
    it('a queued task whose validUntil passes is failed "expired" by the sweep', async () => {
      const { q, clock } = await open();
      const t = await addOne(q, sms('+1', { validUntil: new Date(START + 5_000) }));
      clock.advance(4_999);
      await q.sweep();
      expect((await q.get('sms', t._id)).status).toBe('queued');
      clock.advance(1);
      await q.sweep();
      const failed = await q.get('sms', t._id);
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatch(/expired/);
      expect(failed.attempts).toEqual([]);
      expect(failed.finishedAt).toBe(iso(START + 5_000));
    });

    it('and by a lease, which hands it to nobody', async () => {
      const { q, clock } = await open();
      const t = await addOne(q, sms('+1', { validUntil: new Date(START + 5_000) }));
      clock.advance(5_000);
      expect(await q.lease('sms', 'w', 1)).toEqual([]);
      const failed = await q.get('sms', t._id);
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatch(/expired/);
    });

    it('a paused task whose validUntil passes is failed "expired" too', async () => {
      const { q, clock } = await open();
      const t = await addOne(q, sms('+1', { validUntil: new Date(START + 5_000), paused: true }));
      clock.advance(5_000);
      await q.sweep();
      const failed = await q.get('sms', t._id);
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatch(/expired/);
    });

    it('validUntil does not touch a task already handed out', async () => {
      const { q, clock } = await open();
      const t = await addOne(q, sms('+1', { validUntil: new Date(START + 5_000) }));
      await leaseOne(q, 'w');
      clock.advance(10_000);
      await q.sweep();
      expect((await q.get('sms', t._id)).status).toBe('in progress');
      await q.report('sms', 'w', [{ _id: t._id, status: 'done' }]);
      expect((await q.get('sms', t._id)).status).toBe('done');
    });
  });
}
