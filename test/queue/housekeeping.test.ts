import { afterEach, describe, expect, it, vi } from 'vitest';
import { isKatarError } from '../../src/errors.js';
import { applyRetention, scheduleJob } from '../../src/queue/housekeeping.js';
import { openQueue } from '../helpers/queue-fixture.js';

describe('housekeeping', () => {
  afterEach(() => vi.useRealTimers());

  it('retention removes finished tasks and received SMS older than the limits, keeps the rest and live tasks', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const fx = await openQueue();
    try {
      const q = fx.q;
      const [old] = await q.add('sms', [{ data: { to: '+61404341143', msg: 'old' }, parts: 1 }]);
      await q.lease('sms', 'w', 1);
      await q.report('sms', 'w', [{ _id: old!.task._id, status: 'done' }]);
      await q.receive('sms', { from: '+1', msg: 'old sms', source: 'test' });
      vi.setSystemTime(new Date('2026-01-20T00:00:00Z'));
      const [recent] = await q.add('sms', [{ data: { to: '+61404341143', msg: 'recent' }, parts: 1 }]);
      await q.lease('sms', 'w', 1);
      await q.report('sms', 'w', [{ _id: recent!.task._id, status: 'done' }]);
      const [live] = await q.add('sms', [{ data: { to: '+61404341143', msg: 'live' }, parts: 1 }]);
      await q.receive('sms', { from: '+1', msg: 'new sms', source: 'test' });

      const removed = await applyRetention(q, { historyDays: 10, inboxDays: 10 }, Date.parse('2026-01-25T00:00:00Z'));
      expect(removed).toEqual({ tasks: 1, sms: 1, events: 3 });
      await expect(q.get('sms', old!.task._id)).rejects.toSatisfy((e) => isKatarError(e, 'TASK_NOT_FOUND'));
      expect((await q.get('sms', recent!.task._id)).status).toBe('done');
      expect((await q.get('sms', live!.task._id)).status).toBe('queued');
      expect(q.counts('sms').done).toBe(1);
      // and the files agree after a restart
      const q2 = await fx.reopen();
      expect(q2.store.history.size).toBe(1);
      expect(q2.store.inbox.length).toBe(1);
      expect((await q2.get('sms', live!.task._id)).status).toBe('queued');
    } finally {
      await fx.close();
    }
  });

  it('refuses an invalid cron expression, naming the key', () => {
    expect(() => scheduleJob('every night', async () => undefined, () => undefined)).toThrow(/retention.schedule|not a valid cron/);
  });
});
