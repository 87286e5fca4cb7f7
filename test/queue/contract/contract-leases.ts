import { describe, expect, it } from 'vitest';
import { START, addOne, attemptsOf, codeOf, ids, iso, leaseOne, sms, type OpenQueue } from './contract-kit.js';

/** Leases: who holds a task, until when, and what their end does. */
export function leaseContract(open: OpenQueue): void {
  describe('leases', () => {
    it('a leased task is in progress for its worker, and no other worker gets it', async () => {
      const { q } = await open();
      const t = await addOne(q);
      const leased = await leaseOne(q, 'worker-a');
      expect(leased._id).toBe(t._id);
      expect(leased.status).toBe('in progress');
      expect(leased.lease).toEqual({ worker: 'worker-a', expiresAt: iso(START + 60_000) });
      expect(leased.attempts).toEqual([{ n: 1, worker: 'worker-a', startedAt: iso(START) }]);
      expect(await q.get('sms', t._id)).toEqual(leased);
      expect(await q.lease('sms', 'worker-b', 1)).toEqual([]);
    });

    it('lasts the queue leaseMs, or the length the lease call asks for', async () => {
      const { q, clock } = await open();
      const t = await addOne(q);
      const [leased] = await q.lease('sms', 'worker-a', 1, 5_000);
      expect(leased!.lease?.expiresAt).toBe(iso(START + 5_000));
      clock.advance(4_999);
      await q.sweep();
      expect((await q.get('sms', t._id)).status).toBe('in progress');
      clock.advance(1);
      await q.sweep();
      expect((await q.get('sms', t._id)).status).toBe('queued');
    });

    it('a lease that runs out before markSubmitting requeues the task, the attempt recorded as expired', async () => {
      const { q, clock } = await open();
      const t = await addOne(q);
      await leaseOne(q, 'worker-a');
      clock.advance(60_000);
      await q.sweep();
      const back = await q.get('sms', t._id);
      expect(back.status).toBe('queued');
      expect(back.lease).toBeUndefined();
      expect(attemptsOf(back)).toEqual([[1, 'worker-a', 'expired']]);
      expect(back.attempts[0]!.endedAt).toBe(iso(START + 60_000));
      // No backoff after an expiry: the next worker gets it at once, as attempt 2.
      expect(attemptsOf(await leaseOne(q, 'worker-b'))).toEqual([
        [1, 'worker-a', 'expired'],
        [2, 'worker-b', undefined],
      ]);
    });

    it('a lease that ran out is noticed by the next lease even without a sweep', async () => {
      const { q, clock } = await open();
      const t = await addOne(q);
      await leaseOne(q, 'worker-a');
      clock.advance(60_000);
      expect(ids(await q.lease('sms', 'worker-b', 1))).toEqual([t._id]);
    });

    it('a lease is a duration: a forward step of the wall clock does not end it', async () => {
      const { q, clock } = await open();
      const t = await addOne(q);
      await leaseOne(q, 'worker-a');
      clock.setWall(START + 30 * 86_400_000);
      await q.sweep();
      expect(await q.lease('sms', 'worker-b', 1)).toEqual([]);
      await q.report('sms', 'worker-a', [{ _id: t._id, status: 'done' }]);
      expect((await q.get('sms', t._id)).status).toBe('done');
    });

    it('fails the task when its lease has run out maxAttempts times', async () => {
      const { q, clock } = await open();
      const t = await addOne(q);
      for (const w of ['w1', 'w2', 'w3']) {
        await leaseOne(q, w);
        clock.advance(60_000);
        await q.sweep();
      }
      const failed = await q.get('sms', t._id);
      expect(failed.status).toBe('failed');
      expect(attemptsOf(failed)).toEqual([
        [1, 'w1', 'expired'],
        [2, 'w2', 'expired'],
        [3, 'w3', 'expired'],
      ]);
      expect(failed.error).toEqual(expect.any(String));
      expect(failed.finishedAt).toBe(iso(START + 180_000));
      expect(await q.lease('sms', 'w4', 1)).toEqual([]);
    });

    it('a lease that runs out after markSubmitting fails the task as "outcome unknown"', async () => {
      const { q, clock } = await open();
      const t = await addOne(q);
      await leaseOne(q, 'worker-a');
      await q.markSubmitting('sms', 'worker-a', t._id);
      await q.markSubmitting('sms', 'worker-a', t._id); // a repeat is harmless
      clock.advance(60_000);
      await q.sweep();
      const failed = await q.get('sms', t._id);
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatch(/outcome unknown/);
      expect(attemptsOf(failed)).toEqual([[1, 'worker-a', 'unknown']]);
      expect(await q.lease('sms', 'worker-b', 1)).toEqual([]);
    });

    it('with resendOnUnknownOutcome that task is requeued instead, after the retry backoff', async () => {
      const { q, clock } = await open({ sms: { resendOnUnknownOutcome: true } });
      const t = await addOne(q);
      await leaseOne(q, 'worker-a');
      await q.markSubmitting('sms', 'worker-a', t._id);
      clock.advance(60_000);
      await q.sweep();
      const back = await q.get('sms', t._id);
      expect(back.status).toBe('queued');
      expect(back.error).toMatch(/outcome unknown/);
      expect(attemptsOf(back)).toEqual([[1, 'worker-a', 'unknown']]);
      clock.advance(999);
      expect(await q.lease('sms', 'worker-b', 1)).toEqual([]);
      clock.advance(1);
      expect(ids(await q.lease('sms', 'worker-b', 1))).toEqual([t._id]);
    });

    it('markSubmitting by a worker that does not hold the task is refused with LEASE_LOST', async () => {
      const { q } = await open();
      const [a, b] = (await q.add('sms', [sms('+1'), sms('+2')])).map((x) => x.task);
      await leaseOne(q, 'worker-a');
      expect(await codeOf(() => q.markSubmitting('sms', 'worker-b', a!._id))).toBe('LEASE_LOST');
      expect(await codeOf(() => q.markSubmitting('sms', 'worker-a', b!._id))).toBe('LEASE_LOST');
    });

    it('a report from a worker whose lease passed to another is refused with LEASE_LOST and changes nothing', async () => {
      const { q, clock } = await open();
      const t = await addOne(q);
      await leaseOne(q, 'worker-a');
      clock.advance(60_000);
      await leaseOne(q, 'worker-b');
      expect(await codeOf(() => q.report('sms', 'worker-a', [{ _id: t._id, status: 'done' }]))).toBe('LEASE_LOST');
      const held = await q.get('sms', t._id);
      expect(held.status).toBe('in progress');
      expect(held.lease?.worker).toBe('worker-b');
      await q.report('sms', 'worker-b', [{ _id: t._id, status: 'done' }]);
      expect((await q.get('sms', t._id)).status).toBe('done');
    });

    it('a report carrying the attempt of an earlier hand-out is refused with LEASE_LOST, even from the same worker', async () => {
      const { q, clock } = await open();
      const t = await addOne(q);
      expect((await leaseOne(q, 'worker-a')).attempts.at(-1)?.n).toBe(1);
      clock.advance(60_000);
      expect((await leaseOne(q, 'worker-a')).attempts.at(-1)?.n).toBe(2);
      // The late report of the first hand-out must not end the second one.
      expect(await codeOf(() => q.report('sms', 'worker-a', [{ _id: t._id, status: 'failed', error: 'modem error', attempt: 1 }]))).toBe('LEASE_LOST');
      const held = await q.get('sms', t._id);
      expect(held.status).toBe('in progress');
      expect(attemptsOf(held)).toEqual([
        [1, 'worker-a', 'expired'],
        [2, 'worker-a', undefined],
      ]);
      await q.report('sms', 'worker-a', [{ _id: t._id, status: 'done', attempt: 2 }]);
      expect((await q.get('sms', t._id)).status).toBe('done');
      // Said again with its token, the report is a harmless repeat; with the old one it is not.
      await q.report('sms', 'worker-a', [{ _id: t._id, status: 'done', attempt: 2 }]);
      expect(await codeOf(() => q.report('sms', 'worker-a', [{ _id: t._id, status: 'done', attempt: 1 }]))).toBe('TASK_CONFLICT');
    });

    it('a late done with its own attempt is kept while the task waits unclaimed', async () => {
      const { q, clock } = await open();
      const t = await addOne(q);
      await leaseOne(q, 'worker-a');
      clock.advance(60_000);
      await q.sweep();
      expect(await codeOf(() => q.report('sms', 'worker-a', [{ _id: t._id, status: 'done', attempt: 2 }]))).toBe('LEASE_LOST');
      await q.report('sms', 'worker-a', [{ _id: t._id, status: 'done', attempt: 1 }]);
      expect((await q.get('sms', t._id)).status).toBe('done');
    });

    it('a report on a task the worker was never handed is refused with LEASE_LOST', async () => {
      const { q } = await open();
      const t = await addOne(q);
      expect(await codeOf(() => q.report('sms', 'worker-a', [{ _id: t._id, status: 'done' }]))).toBe('LEASE_LOST');
      expect((await q.get('sms', t._id)).status).toBe('queued');
    });

    it('a late done while the task waits unclaimed is kept, so the SMS is not sent twice', async () => {
      const { q, clock } = await open();
      const t = await addOne(q);
      await leaseOne(q, 'worker-a');
      clock.advance(60_000);
      await q.sweep();
      expect((await q.get('sms', t._id)).status).toBe('queued');
      await q.report('sms', 'worker-a', [{ _id: t._id, status: 'done' }]);
      const done = await q.get('sms', t._id);
      expect(done.status).toBe('done');
      expect(attemptsOf(done)).toEqual([[1, 'worker-a', 'done']]);
      expect(await q.lease('sms', 'worker-b', 1)).toEqual([]);
    });

    it('release gives the task back untried: no attempt counted, at once to the next worker', async () => {
      const { q } = await open();
      const t = await addOne(q);
      await leaseOne(q, 'worker-a');
      await q.release('sms', 'worker-a', t._id, 'modem not ready');
      const back = await q.get('sms', t._id);
      expect(back.status).toBe('queued');
      expect(back.lease).toBeUndefined();
      expect(back.attempts).toEqual([]);
      expect(attemptsOf(await leaseOne(q, 'worker-b'))).toEqual([[1, 'worker-b', undefined]]);
    });

    it('release clears markSubmitting: a later expiry requeues the task instead of failing it', async () => {
      const { q, clock } = await open();
      const t = await addOne(q);
      await leaseOne(q, 'worker-a');
      await q.markSubmitting('sms', 'worker-a', t._id);
      await q.release('sms', 'worker-a', t._id, 'refused before the prompt');
      await leaseOne(q, 'worker-b');
      clock.advance(60_000);
      await q.sweep();
      const back = await q.get('sms', t._id);
      expect(back.status).toBe('queued');
      expect(attemptsOf(back)).toEqual([[1, 'worker-b', 'expired']]);
    });

    it('release by a worker that does not hold the task changes nothing', async () => {
      const { q } = await open();
      const t = await addOne(q);
      await leaseOne(q, 'worker-a');
      await q.release('sms', 'worker-b', t._id, 'not mine').catch(() => undefined);
      const held = await q.get('sms', t._id);
      expect(held.status).toBe('in progress');
      expect(held.lease?.worker).toBe('worker-a');
    });

    it('reportAndLease applies the reports, then leases', async () => {
      const { q } = await open();
      const [a, b] = (await q.add('sms', [sms('+1'), sms('+2')])).map((x) => x.task);
      await leaseOne(q, 'worker-a');
      const next = await q.reportAndLease('sms', 'worker-a', [{ _id: a!._id, status: 'done' }], 5);
      expect(ids(next)).toEqual([b!._id]);
      expect((await q.get('sms', a!._id)).status).toBe('done');
      expect((await q.get('sms', b!._id)).lease?.worker).toBe('worker-a');
    });

    it('reportAndLease with a refused report applies none of the reports and leases nothing', async () => {
      const { q } = await open();
      const [a, b, c] = (await q.add('sms', [sms('+1'), sms('+2'), sms('+3')])).map((x) => x.task);
      await leaseOne(q, 'worker-a');
      await leaseOne(q, 'worker-b');
      const reports = [
        { _id: a!._id, status: 'done' as const },
        { _id: b!._id, status: 'done' as const },
      ];
      expect(await codeOf(() => q.reportAndLease('sms', 'worker-a', reports, 1))).toBe('LEASE_LOST');
      expect((await q.get('sms', a!._id)).status).toBe('in progress');
      expect((await q.get('sms', b!._id)).lease?.worker).toBe('worker-b');
      expect((await q.get('sms', c!._id)).status).toBe('queued');
    });
  });
}
