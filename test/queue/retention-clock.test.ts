import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClockWatch } from '../../src/queue/clock-watch.js';
import { applyRetention } from '../../src/queue/housekeeping.js';
import { openQueue } from '../helpers/queue-fixture.js';

const DAY = 86_400_000;
const keep = { historyDays: 30, inboxDays: 30 };

describe('retention and the clock watch', () => {
  afterEach(() => vi.useRealTimers());

  it('after an NTP jump from 1970, keeps two-minute-old history and unread inbox messages', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    vi.setSystemTime(new Date('1970-01-01T00:05:00Z'));
    const fx = await openQueue();
    try {
      const q = fx.q;
      const watch = await ClockWatch.open(fx.dir, { maxSeq: () => q.store.maxSeq });
      const [t] = await q.add('sms', [{ data: { to: '+61404341143', msg: 'x' }, parts: 1 }]);
      await q.lease('sms', 'w', 1);
      await q.report('sms', 'w', [{ _id: t!.task._id, status: 'done' }]);
      await q.receive('sms', { from: '+1', msg: 'unread', source: 'test' });
      vi.advanceTimersByTime(120_000);
      vi.setSystemTime(new Date('2026-12-01T10:00:00Z'));
      const jump = await watch.check();
      expect(jump?.seq).toBe(q.store.maxSeq);
      expect(jump!.byMs).toBeGreaterThan(50 * 365 * DAY);

      expect(await applyRetention(q, keep, Date.now(), watch.lastJump)).toEqual({ tasks: 0, sms: 0, events: 0 });
      // Written after the jump: judged by its own time stamp.
      const [u] = await q.add('sms', [{ data: { to: '+61404341143', msg: 'y' }, parts: 1 }]);
      await q.lease('sms', 'w', 1);
      await q.report('sms', 'w', [{ _id: u!.task._id, status: 'done' }]);
      // 31 days later everything before the jump is older than retention, the later one too.
      vi.setSystemTime(Date.now() + 31 * DAY);
      // Events: x queued and sent, the SMS received, y queued and sent: all older than the 7 days kept, but the newest stays.
      expect(await applyRetention(q, keep, Date.now(), watch.lastJump)).toEqual({ tasks: 2, sms: 1, events: 4 });
      await watch.close();
    } finally {
      await fx.close();
    }
  });

  it('remembers the jump across a restart, and finds a backward jump made while stopped', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    vi.setSystemTime(new Date('2027-06-01T10:00:00Z')); // after this code was built
    const fx = await openQueue();
    try {
      await fx.q.receive('sms', { from: '+1', msg: 'hi', source: 'test' });
      const newest = (): number | undefined => Math.max(...fx.q.store.inbox.map((m) => Date.parse(m.receivedAt)));
      let watch = await ClockWatch.open(fx.dir, { maxSeq: () => fx.q.store.maxSeq, newestData: newest });
      expect(watch.lastJump).toBeUndefined();
      expect(watch.doubt()).toBeUndefined();
      await watch.close();
      vi.setSystemTime(new Date('1970-01-01T00:00:10Z')); // rebooted without RTC
      watch = await ClockWatch.open(fx.dir, { maxSeq: () => fx.q.store.maxSeq, newestData: newest });
      expect(watch.lastJump?.seq).toBe(fx.q.store.maxSeq);
      expect(watch.doubt()).toMatch(/before this katar-sms was built/);
      await watch.close();
      const again = await ClockWatch.open(fx.dir, { maxSeq: () => 0 });
      expect(again.lastJump?.at).toBe('1970-01-01T00:00:10.000Z');
      await again.close();
    } finally {
      await fx.close();
    }
  });

  it('small drifts are not jumps', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    vi.setSystemTime(new Date('2026-12-01T10:00:00Z'));
    const fx = await openQueue();
    try {
      const watch = await ClockWatch.open(fx.dir, { maxSeq: () => 0 });
      vi.setSystemTime(Date.now() + 1_500);
      expect(await watch.check()).toBeUndefined();
      vi.setSystemTime(Date.now() - 4_500);
      expect((await watch.check())?.byMs).toBe(-3_000);
      expect(await watch.check()).toBeUndefined();
      await watch.close();
    } finally {
      await fx.close();
    }
  });
});
