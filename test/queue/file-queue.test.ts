import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isKatarError } from '../../src/errors.js';
import type { FileQueue } from '../../src/queue/file-queue.js';
import { openQueue } from '../helpers/queue-fixture.js';

const sms = (to: string, msg = 'hi') => ({ data: { to, msg }, parts: 1 });

describe('queue service', () => {
  let fx: Awaited<ReturnType<typeof openQueue>>;
  let q: FileQueue;

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    fx = await openQueue();
    q = fx.q;
  });
  afterEach(async () => {
    vi.useRealTimers();
    await fx.close();
  });

  it('hands out the highest priority first, then the oldest', async () => {
    const [low, n1, high, n2] = await q.add('sms', [
      { ...sms('+1'), priority: -10 },
      sms('+2'),
      { ...sms('+3'), priority: 10 },
      sms('+4'),
    ]);
    const order: string[] = [];
    for (let i = 0; i < 4; i++) order.push((await q.lease('sms', 'w', 1))[0]!._id);
    expect(order).toEqual([high!.task._id, n1!.task._id, n2!.task._id, low!.task._id]);
    expect(await q.lease('sms', 'w', 1)).toEqual([]);
  });

  it('hands out several tasks when asked and never one task twice', async () => {
    await q.add('sms', [sms('+1'), sms('+2'), sms('+3')]);
    const a = await q.lease('sms', 'a', 2);
    const b = await q.lease('sms', 'b', 2);
    expect(a).toHaveLength(2);
    expect(b).toHaveLength(1);
    expect(new Set([...a, ...b].map((t) => t._id)).size).toBe(3);
  });

  it('returns a task whose lease ran out to the queue and counts the attempt', async () => {
    const { task } = (await q.add('sms', [sms('+1')]))[0]!;
    await q.lease('sms', 'a', 1);
    vi.advanceTimersByTime(59_000);
    expect(await q.lease('sms', 'b', 1)).toEqual([]);
    vi.advanceTimersByTime(1_001);
    const again = await q.lease('sms', 'b', 1);
    expect(again[0]!._id).toBe(task._id);
    expect(again[0]!.attempts.map((a) => [a.worker, a.outcome])).toEqual([['a', 'expired'], ['b', undefined]]);
  });

  it('answers a late report for a task now leased to another worker with LEASE_LOST and changes nothing', async () => {
    const { task } = (await q.add('sms', [sms('+1')]))[0]!;
    await q.lease('sms', 'a', 1);
    vi.advanceTimersByTime(61_000);
    await q.lease('sms', 'b', 1);
    const err = await q.report('sms', 'a', [{ _id: task._id, status: 'done' }]).catch((e: unknown) => e);
    expect(isKatarError(err, 'LEASE_LOST')).toBe(true);
    const t = await q.get('sms', task._id);
    expect(t.status).toBe('in progress');
    expect(t.lease?.worker).toBe('b');
  });

  it('accepts a late done while the task waits in the queue, so it is not sent again', async () => {
    const { task } = (await q.add('sms', [sms('+1')]))[0]!;
    await q.lease('sms', 'a', 1);
    vi.advanceTimersByTime(61_000);
    await q.sweep();
    expect((await q.get('sms', task._id)).status).toBe('queued');
    await q.report('sms', 'a', [{ _id: task._id, status: 'done' }]);
    const t = await q.get('sms', task._id);
    expect(t.status).toBe('done');
    // the hand-out the late report speaks of is recorded as done, not as expired
    expect(t.attempts.map((a) => [a.worker, a.outcome])).toEqual([['a', 'done']]);
    expect(await q.lease('sms', 'b', 1)).toEqual([]);
  });

  it('retries a failed task with backoff until maxAttempts, then fails it with the last error', async () => {
    const { task } = (await q.add('sms', [sms('+1')]))[0]!;
    const failed: string[] = [];
    q.on('failed', (t) => failed.push(t.error ?? ''));
    await q.lease('sms', 'w', 1);
    await q.report('sms', 'w', [{ _id: task._id, status: 'failed', error: 'e1' }]);
    expect(await q.lease('sms', 'w', 1)).toEqual([]); // backoff 1 s
    vi.advanceTimersByTime(1000);
    await q.lease('sms', 'w', 1);
    await q.report('sms', 'w', [{ _id: task._id, status: 'failed', error: 'e2' }]);
    vi.advanceTimersByTime(1999);
    expect(await q.lease('sms', 'w', 1)).toEqual([]); // backoff 2 s
    vi.advanceTimersByTime(1);
    await q.lease('sms', 'w', 1);
    await q.report('sms', 'w', [{ _id: task._id, status: 'failed', error: 'e3' }]);
    const t = await q.get('sms', task._id);
    expect(t.status).toBe('failed');
    expect(t.error).toBe('e3');
    expect(t.attempts.map((a) => a.error)).toEqual(['e1', 'e2', 'e3']);
    expect(failed).toEqual(['e3']);
  });

  it('treats a repeated report as already applied, and a contradicting one as a conflict', async () => {
    const { task } = (await q.add('sms', [sms('+1')]))[0]!;
    await q.lease('sms', 'w', 1);
    await q.report('sms', 'w', [{ _id: task._id, status: 'done' }]);
    await q.report('sms', 'w', [{ _id: task._id, status: 'done' }]);
    const err = await q.report('sms', 'other', [{ _id: task._id, status: 'failed', error: 'x' }]).catch((e: unknown) => e);
    expect(isKatarError(err, 'TASK_CONFLICT')).toBe(true);
  });

  it('rejects a report batch as a whole when one entry is unknown', async () => {
    const { task } = (await q.add('sms', [sms('+1')]))[0]!;
    await q.lease('sms', 'w', 1);
    const err = await q.report('sms', 'w', [{ _id: task._id, status: 'done' }, { _id: 'nope', status: 'done' }]).catch((e: unknown) => e);
    expect(isKatarError(err, 'TASK_NOT_FOUND')).toBe(true);
    expect((await q.get('sms', task._id)).status).toBe('in progress');
  });

  it('returns the first task for a repeated idempotency key, also after a restart and once finished', async () => {
    const [a] = await q.add('sms', [{ ...sms('+1'), idempotencyKey: 'k1' }]);
    const [b] = await q.add('sms', [{ ...sms('+1'), idempotencyKey: 'k1' }]);
    expect(b!.created).toBe(false);
    expect(b!.task._id).toBe(a!.task._id);
    await q.lease('sms', 'w', 1);
    await q.report('sms', 'w', [{ _id: a!.task._id, status: 'done' }]);
    q = await fx.reopen();
    const [c] = await q.add('sms', [{ ...sms('+1'), idempotencyKey: 'k1' }]);
    expect(c!.created).toBe(false);
    expect(c!.task.status).toBe('done');
  });

  it('never hands out a task after validUntil: it fails with reason expired', async () => {
    const { task } = (await q.add('sms', [{ ...sms('+1'), validUntil: new Date(Date.now() + 5000) }]))[0]!;
    vi.advanceTimersByTime(5000);
    expect(await q.lease('sms', 'w', 1)).toEqual([]);
    const t = await q.get('sms', task._id);
    expect(t.status).toBe('failed');
    expect(t.error).toMatch(/expired/);
  });

  it('fails expired tasks in the sweep even when no worker polls', async () => {
    const { task } = (await q.add('sms', [{ ...sms('+1'), validUntil: new Date(Date.now() + 5000) }]))[0]!;
    vi.advanceTimersByTime(5001);
    await q.sweep();
    expect((await q.get('sms', task._id)).status).toBe('failed');
  });

  it('holds a scheduled task until sendAt', async () => {
    await q.add('sms', [{ ...sms('+1'), sendAt: new Date(Date.now() + 10_000) }, sms('+2')]);
    const first = await q.lease('sms', 'w', 5);
    expect(first.map((t) => t.data.to)).toEqual(['+2']);
    vi.advanceTimersByTime(10_000);
    expect((await q.lease('sms', 'w', 5)).map((t) => t.data.to)).toEqual(['+1']);
  });

  it('cancels queued and paused tasks only', async () => {
    const [a, b] = await q.add('sms', [sms('+1'), { ...sms('+2'), paused: true }]);
    expect((await q.cancel('sms', b!.task._id)).status).toBe('cancelled');
    await q.lease('sms', 'w', 1);
    const err = await q.cancel('sms', a!.task._id).catch((e: unknown) => e);
    expect(isKatarError(err, 'TASK_CONFLICT')).toBe(true);
    const err2 = await q.cancel('sms', b!.task._id).catch((e: unknown) => e);
    expect(isKatarError(err2, 'TASK_CONFLICT')).toBe(true);
  });

  it('emits status events after the change is durable', async () => {
    const seen: string[] = [];
    q.on('status', (t, from) => seen.push(`${from}->${t.status}`));
    q.on('sent', (s) => seen.push(`sent ${s.to}`));
    const { task } = (await q.add('sms', [sms('+1')]))[0]!;
    await q.lease('sms', 'w', 1);
    await q.report('sms', 'w', [{ _id: task._id, status: 'done' }]);
    expect(seen).toEqual(['null->queued', 'queued->in progress', 'in progress->done', 'sent +1']);
  });

  it('after a restart, fails a task the built-in worker was submitting (outcome unknown) and requeues one it had not started', async () => {
    const [a, b] = await q.add('sms', [sms('+1'), sms('+2')]);
    await q.lease('sms', 'builtin:modem0', 2);
    await q.markSubmitting('sms', 'builtin:modem0', a!.task._id);
    q = await fx.reopen();
    const ta = await q.get('sms', a!.task._id);
    expect(ta.status).toBe('failed');
    expect(ta.error).toMatch(/outcome unknown/);
    const tb = await q.get('sms', b!.task._id);
    expect(tb.status).toBe('queued');
    expect((await q.lease('sms', 'w', 5)).map((t) => t._id)).toEqual([b!.task._id]);
  });

  it('keeps remote leases across a restart', async () => {
    const [a] = await q.add('sms', [sms('+1')]);
    await q.lease('sms', 'remote', 1);
    q = await fx.reopen();
    expect((await q.get('sms', a!.task._id)).status).toBe('in progress');
    vi.advanceTimersByTime(61_000);
    expect((await q.lease('sms', 'w', 1))[0]!._id).toBe(a!.task._id);
  });

  it('stores a received SMS once per dedup key', async () => {
    const got: string[] = [];
    q.on('sms', (e) => got.push(e.msg));
    const a = await q.receive('sms', { from: '+1', msg: 'x', source: 'modem:m', dedupKey: 'k' });
    const b = await q.receive('sms', { from: '+1', msg: 'x', source: 'modem:m', dedupKey: 'k' });
    expect(b.duplicate).toBe(true);
    expect(b.entry._id).toBe(a.entry._id);
    expect(got).toEqual(['x']);
    q = await fx.reopen();
    expect((await q.receive('sms', { from: '+1', msg: 'x', source: 'modem:m', dedupKey: 'k' })).duplicate).toBe(true);
  });

  it('counts tasks per status', async () => {
    const [a] = await q.add('sms', [sms('+1'), sms('+2'), { ...sms('+3'), paused: true }]);
    await q.lease('sms', 'w', 1);
    await q.report('sms', 'w', [{ _id: a!.task._id, status: 'done' }]);
    expect(q.counts('sms')).toEqual({ paused: 1, queued: 1, 'in progress': 0, done: 1, failed: 0, cancelled: 0 });
  });
});

describe('outcome unknown', () => {
  it('fails for good by default, and is retried only when resendOnUnknownOutcome is set', async () => {
    const strict = await openQueue();
    const lax = await openQueue({ resendOnUnknownOutcome: true, retry: { initialDelayMs: 0, factor: 1, maxDelayMs: 0 } });
    try {
      for (const [fx, expected] of [[strict, 'failed'], [lax, 'queued']] as const) {
        const { task } = (await fx.q.add('sms', [{ data: { to: '+61404341143', msg: 'x' }, parts: 1 }]))[0]!;
        await fx.q.lease('sms', 'builtin:m', 1);
        await fx.q.report('sms', 'builtin:m', [{ _id: task._id, status: 'unknown', error: 'no answer after the PDU' }]);
        const t = await fx.q.get('sms', task._id);
        expect(t.status).toBe(expected);
        expect(t.attempts[0]).toMatchObject({ outcome: 'unknown', error: 'outcome unknown: no answer after the PDU' });
      }
    } finally {
      await strict.close();
      await lax.close();
    }
  });
});

describe('a worker poll with reports', () => {
  it('applies the reports and the next hand-out in one durable write, or nothing when a report is refused', async () => {
    const fx = await openQueue();
    try {
      const q = fx.q;
      const added = await q.add('sms', [1, 2, 3].map((i) => ({ data: { to: '+61404341143', msg: `m${i}` }, parts: 1 })));
      const [first] = await q.lease('sms', 'w', 1);
      const commits = vi.spyOn(q.store, 'commit');
      const next = await q.reportAndLease('sms', 'w', [{ _id: first!._id, status: 'done' }], 1);
      expect(commits).toHaveBeenCalledTimes(1);
      expect(next.map((t) => t.data.msg)).toEqual(['m2']);
      const err = await q.reportAndLease('sms', 'w', [{ _id: 'unknown', status: 'done' }], 1).catch((e: unknown) => e);
      expect(isKatarError(err, 'TASK_NOT_FOUND')).toBe(true);
      expect(q.counts('sms')).toMatchObject({ done: 1, 'in progress': 1, queued: 1 });
      expect(added).toHaveLength(3);
    } finally {
      await fx.close();
    }
  });
});
