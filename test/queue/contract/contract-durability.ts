import { describe, expect, it } from 'vitest';
import type { SmsQueue } from '../../../src/queue/sms-queue.js';
import type { Task } from '../../../src/queue/task.js';
import { START, addOne, codeOf, ids, leaseOne, sms, type OpenQueue } from './contract-kit.js';

const DAY = 86_400_000;

/** One task of "sms" in every status (and one queued in "other"); returned by status. */
async function oneOfEach(q: SmsQueue): Promise<Record<string, Task>> {
  const [done, failed, cancelled, held, queued, paused] = (await q.add('sms', [sms('+1'), sms('+2'), sms('+3'), sms('+4'), sms('+5'), sms('+6', { paused: true })])).map((x) => x.task);
  await q.lease('sms', 'w', 2);
  await q.report('sms', 'w', [{ _id: done!._id, status: 'done' }]);
  await q.report('sms', 'w', [{ _id: failed!._id, status: 'unknown', error: 'no answer' }]);
  await q.cancel('sms', cancelled!._id);
  await leaseOne(q, 'worker-h');
  await addOne(q, sms('+7'), 'other');
  return { done: done!, failed: failed!, cancelled: cancelled!, held: held!, queued: queued!, paused: paused! };
}

/** What the queue reports about itself, and what outlives a restart. */
export function durabilityContract(open: OpenQueue): void {
  describe('counts', () => {
    it('counts the tasks of one queue per status, finished ones included', async () => {
      const { q } = await open();
      await oneOfEach(q);
      expect(q.counts('sms')).toEqual({ paused: 1, queued: 1, 'in progress': 1, done: 1, failed: 1, cancelled: 1 });
      expect(q.counts('other')).toEqual({ paused: 0, queued: 1, 'in progress': 0, done: 0, failed: 0, cancelled: 0 });
    });
  });

  describe('durability', () => {
    it('everything acknowledged survives a restart: tasks, listings, counts and the inbox', async () => {
      const env = await open();
      const made = await oneOfEach(env.q);
      await env.q.receive('sms', { from: '+1', msg: 'in', source: 'http', receivedAt: new Date(START) });
      const snapshot = async (q: SmsQueue) => ({
        tasks: await Promise.all(Object.values(made).map((t) => q.get('sms', t._id))),
        list: await q.listTasks('sms', { limit: 100 }),
        other: await q.listTasks('other', { limit: 100 }),
        counts: [q.counts('sms'), q.counts('other')],
        inbox: await q.listInbox('sms', { limit: 100 }),
      });
      const before = await snapshot(env.q);
      expect(before.tasks.map((t) => t.status)).toEqual(['done', 'failed', 'cancelled', 'in progress', 'queued', 'paused']);
      expect(await snapshot(await env.restart())).toEqual(before);
    });

    it('a lease outlives a restart: its holder can still report, nobody else gets the task', async () => {
      const env = await open();
      const t = await addOne(env.q);
      await leaseOne(env.q, 'worker-a');
      const q = await env.restart();
      expect(await q.lease('sms', 'worker-b', 1)).toEqual([]);
      await q.report('sms', 'worker-a', [{ _id: t._id, status: 'done' }]);
      expect((await q.get('sms', t._id)).status).toBe('done');
    });

    it('a retry backoff outlives a restart', async () => {
      const env = await open();
      const t = await addOne(env.q);
      await leaseOne(env.q, 'w');
      await env.q.report('sms', 'w', [{ _id: t._id, status: 'failed', error: 'busy' }]);
      const q = await env.restart();
      expect(await q.lease('sms', 'w', 1)).toEqual([]);
      env.clock.advance(1_000);
      expect(ids(await q.lease('sms', 'w', 1))).toEqual([t._id]);
    });

    it('insertion order and seq carry on across a restart', async () => {
      const env = await open();
      const [a, b] = (await env.q.add('sms', [sms('+1'), sms('+2')])).map((x) => x.task);
      const q = await env.restart();
      const c = await addOne(q, sms('+3'));
      expect(c.seq > b!.seq).toBe(true);
      expect(ids(await q.lease('sms', 'w', 5))).toEqual([a!._id, b!._id, c._id]);
    });
  });

  describe('housekeeping and waiting', () => {
    it('prune removes finished tasks and received SMS older than the policy, never live ones', async () => {
      const { q, clock } = await open();
      const made = await oneOfEach(q);
      await q.receive('sms', { from: '+1', msg: 'old', source: 'http', receivedAt: new Date(START) });
      // `now` is the caller's wall clock, which a shared queue may judge by its own (the
      // same here): the wall clock is stepped so that the leases stay as they are.
      clock.setWall(START + DAY / 2);
      expect(await q.prune({ historyDays: 1, inboxDays: 1 }, clock.wall())).toEqual({ tasks: 0, sms: 0, events: 0 });
      expect(q.counts('sms').done).toBe(1);
      clock.setWall(START + 2 * DAY);
      expect(await q.prune({ historyDays: 1, inboxDays: 1 }, clock.wall())).toEqual({ tasks: 3, sms: 1, events: 0 });
      expect(q.counts('sms')).toEqual({ paused: 1, queued: 1, 'in progress': 1, done: 0, failed: 0, cancelled: 0 });
      expect(await codeOf(() => q.get('sms', made.done!._id))).toBe('TASK_NOT_FOUND');
      expect((await q.get('sms', made.queued!._id)).status).toBe('queued');
      expect((await q.listInbox('sms', { limit: 10 })).items).toEqual([]);
    });

    it('waitForWork resolves when a task is queued, and on abort', async () => {
      const { q } = await open();
      const within = async (p: Promise<void>): Promise<string> => {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<string>((r) => (timer = setTimeout(() => r('still waiting'), 2_000)));
        const first = await Promise.race([p.then(() => 'resolved'), late]);
        clearTimeout(timer);
        return first;
      };
      const waiting = q.waitForWork('sms', 10_000);
      await addOne(q);
      expect(await within(waiting)).toBe('resolved');
      const abort = new AbortController();
      const aborted = q.waitForWork('other', 10_000, abort.signal);
      abort.abort();
      expect(await within(aborted)).toBe('resolved');
    });
  });
}
