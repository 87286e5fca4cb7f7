import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FileQueue } from '../../src/queue/file-queue.js';
import { openQueue } from '../helpers/queue-fixture.js';

const sms = (to: string) => ({ data: { to, msg: 'hi' }, parts: 1 });
const HOUR = 3_600_000;
const YEAR = 365 * 24 * HOUR;

/**
 * A Pi without a real-time clock boots with the time of its last shutdown or 1970, and
 * the wall clock jumps when NTP syncs. `vi.setSystemTime` moves only the wall clock; the
 * monotonic clock (performance.now) moves only with `advanceTimersByTime`, as on a Pi.
 */
describe('queue under wall-clock jumps', () => {
  let fx: Awaited<ReturnType<typeof openQueue>>;
  let q: FileQueue;

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    vi.setSystemTime(new Date('1970-01-01T00:01:00Z'));
    fx = await openQueue();
    q = fx.q;
  });
  afterEach(async () => {
    vi.useRealTimers();
    await fx.close();
  });

  it('a forward jump does not end a lease: the task is not handed to a second worker', async () => {
    const [a] = await q.add('sms', [sms('+1')]);
    await q.lease('sms', 'a', 1);
    vi.setSystemTime(new Date('2026-12-01T10:00:00Z')); // NTP sync: +56 years
    await q.sweep();
    expect(await q.lease('sms', 'b', 1)).toEqual([]);
    // The worker that holds it reports done: accepted, the task is done, never failed.
    await q.report('sms', 'a', [{ _id: a!.task._id, status: 'done' }]);
    const t = await q.get('sms', a!.task._id);
    expect(t.status).toBe('done');
    expect(t.attempts).toHaveLength(1);
  });

  it('a backward jump does not make a dead worker hold its task for hours', async () => {
    vi.setSystemTime(new Date('2026-12-01T10:00:00Z'));
    const [a] = await q.add('sms', [sms('+1')]);
    await q.lease('sms', 'dead', 1);
    vi.setSystemTime(new Date('2026-12-01T04:00:00Z')); // -6 h
    vi.advanceTimersByTime(60_001); // one lease (60 s) of real time
    await q.sweep();
    const [again] = await q.lease('sms', 'b', 1);
    expect(again?._id).toBe(a!.task._id);
  });

  it('a forward jump fires no retry early, a backward jump delays none', async () => {
    const [a] = await q.add('sms', [sms('+1')]);
    await q.lease('sms', 'w', 1);
    await q.report('sms', 'w', [{ _id: a!.task._id, status: 'failed', error: 'x' }]); // 1 s backoff
    vi.setSystemTime(Date.now() + YEAR);
    expect(await q.lease('sms', 'w', 1)).toEqual([]);
    vi.advanceTimersByTime(1_000);
    const [t] = await q.lease('sms', 'w', 1);
    expect(t?._id).toBe(a!.task._id);
    await q.report('sms', 'w', [{ _id: a!.task._id, status: 'failed', error: 'y' }]); // 2 s backoff
    vi.setSystemTime(Date.now() - YEAR);
    vi.advanceTimersByTime(2_000);
    expect((await q.lease('sms', 'w', 1))[0]?._id).toBe(a!.task._id);
  });

  it('a lease that survives a restart gets its full length again, whatever the clock did meanwhile', async () => {
    const [a] = await q.add('sms', [sms('+1')]);
    await q.lease('sms', 'remote', 1);
    vi.setSystemTime(Date.now() + YEAR);
    q = await fx.reopen();
    await q.sweep();
    expect((await q.get('sms', a!.task._id)).status).toBe('in progress');
    expect(q.leaseRemainingMs(a!.task._id)).toBe(60_000);
    vi.advanceTimersByTime(60_001);
    expect((await q.lease('sms', 'w', 1))[0]?._id).toBe(a!.task._id);
  });

  it('a scheduled send (sendAt, wall time by definition) follows the wall clock', async () => {
    const [a] = await q.add('sms', [{ ...sms('+1'), sendAt: new Date('2026-12-01T09:00:00Z') }]);
    expect(await q.lease('sms', 'w', 1)).toEqual([]);
    vi.setSystemTime(new Date('2026-12-01T09:00:01Z'));
    expect((await q.lease('sms', 'w', 1))[0]?._id).toBe(a!.task._id);
  });
});
