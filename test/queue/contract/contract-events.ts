import { describe, expect, it } from 'vitest';
import type { InboxEntry, Task, TaskStatus } from '../../../src/queue/task.js';
import { addOne, leaseOne, sms, type OpenQueue } from './contract-kit.js';

/** The queue's events: which, in what order, and only once the change is durable. */
export function eventContract(open: OpenQueue): void {
  describe('events', () => {
    it('a task life emits one status event per change, in order, and its status-named event', async () => {
      const { q } = await open();
      const changes: Array<[TaskStatus | null, TaskStatus]> = [];
      const named: string[] = [];
      q.on('status', (t, from) => changes.push([from, t.status]));
      for (const s of ['queued', 'in progress', 'done'] as const) q.on(s, (t) => named.push(`${s}:${t.status}`));
      const t = await addOne(q);
      await leaseOne(q, 'w');
      await q.report('sms', 'w', [{ _id: t._id, status: 'done' }]);
      expect(changes).toEqual([
        [null, 'queued'],
        ['queued', 'in progress'],
        ['in progress', 'done'],
      ]);
      expect(named).toEqual(['queued:queued', 'in progress:in progress', 'done:done']);
    });

    it('a requeue emits queued, a final failure emits failed with the error', async () => {
      const { q, clock } = await open({ sms: { maxAttempts: 2 } });
      const t = await addOne(q);
      const queued: Task[] = [];
      const failed: Task[] = [];
      q.on('queued', (x) => queued.push(x));
      q.on('failed', (x) => failed.push(x));
      await leaseOne(q, 'w');
      await q.report('sms', 'w', [{ _id: t._id, status: 'failed', error: 'e1' }]);
      expect(queued.map((x) => [x._id, x.error])).toEqual([[t._id, 'e1']]);
      clock.advance(1_000);
      await leaseOne(q, 'w');
      clock.advance(60_000);
      await q.sweep();
      expect(failed.map((x) => [x._id, x.status])).toEqual([[t._id, 'failed']]);
      expect(failed[0]!.error).toEqual(expect.any(String));
    });

    it('events follow the durable change: in the listener the queue already answers the new state', async () => {
      const { q } = await open();
      const seen: Array<Promise<[string, TaskStatus]>> = [];
      const look = (event: string) => (t: Task) => void seen.push(q.get(t.queue, t._id).then((now) => [event, now.status]));
      for (const s of ['queued', 'in progress', 'done', 'cancelled'] as const) q.on(s, look(s));
      // Each read started in a listener is let finish before the next change: a read that
      // ran after a later change would rightly see that one (a shared queue reads over
      // the network), and that is not what this checks.
      const settled = () => Promise.all(seen);
      const t = await addOne(q);
      await settled();
      await leaseOne(q, 'w');
      await settled();
      await q.report('sms', 'w', [{ _id: t._id, status: 'done' }]);
      await settled();
      const second = await addOne(q, sms('+2'));
      await settled();
      await q.cancel('sms', second._id);
      expect(await settled()).toEqual([
        ['queued', 'queued'],
        ['in progress', 'in progress'],
        ['done', 'done'],
        ['queued', 'queued'],
        ['cancelled', 'cancelled'],
      ]);
    });

    it('receive emits sms once the message is stored, and not for a duplicate', async () => {
      const { q } = await open();
      const events: InboxEntry[] = [];
      const listed: Array<Promise<string[]>> = [];
      q.on('sms', (e) => {
        events.push(e);
        listed.push(q.listInbox('sms', { limit: 10 }).then((p) => p.items.map((x) => x._id)));
      });
      const r = await q.receive('sms', { from: '+1', msg: 'a', source: 'modem:m0', dedupKey: 'k' });
      await q.receive('sms', { from: '+1', msg: 'a', source: 'modem:m0', dedupKey: 'k' });
      expect(events).toEqual([r.entry]);
      expect(await Promise.all(listed)).toEqual([[r.entry._id]]);
    });

    it('a change that is refused emits nothing', async () => {
      const { q } = await open();
      const t = await addOne(q);
      await leaseOne(q, 'a');
      let events = 0;
      q.on('status', () => events++);
      await q.report('sms', 'b', [{ _id: t._id, status: 'done' }]).catch(() => undefined);
      await q.cancel('sms', t._id).catch(() => undefined);
      expect(events).toBe(0);
    });
  });
}
