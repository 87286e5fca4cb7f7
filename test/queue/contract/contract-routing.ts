import { describe, expect, it } from 'vitest';
import type { NewTask } from '../../../src/queue/queue-types.js';
import { START, addOne, ids, iso, sms, type OpenQueue } from './contract-kit.js';

/** A one-part SMS only `modems` may send. */
const routed = (to: string, modems: string[], over: Partial<NewTask> = {}): NewTask => sms(to, { modems, ...over });

/**
 * The lease filter (lease-filter.ts): a lease that names a modem takes the tasks routed
 * to it and the unrouted ones; a lease that names none (a remote worker) only unrouted
 * ones. The filter is data, so a database queue can apply it in its query.
 */
export function routingContract(open: OpenQueue): void {
  describe('routing (lease accept)', () => {
    it('a modem takes the tasks routed to it and the unrouted ones, in priority then insertion order across both', async () => {
      const { q } = await open();
      const added = await q.add('sms', [routed('+1', ['a']), sms('+2', { priority: 5 }), routed('+3', ['b'], { priority: 10 }), routed('+4', ['a', 'b']), sms('+5')]);
      const [forA, urgent, , forAB, plain] = added.map((x) => x.task._id);
      expect(ids(await q.lease('sms', 'wa', 10, undefined, { modem: 'a' }))).toEqual([urgent, forA, forAB, plain]);
    });

    it('keeps the routing on the task: via as given, and the modems that may send it', async () => {
      const { q } = await open();
      const t = await addOne(q, routed('+1', ['a', 'b'], { via: 'eu' }));
      expect(t).toMatchObject({ via: 'eu', modems: ['a', 'b'] });
      expect(await q.get('sms', t._id)).toMatchObject({ via: 'eu', modems: ['a', 'b'] });
    });

    it('a lease without a modem (a remote worker) takes only unrouted tasks', async () => {
      const { q } = await open();
      const [pinned, free] = (await q.add('sms', [routed('+1', ['a'], { priority: 10 }), sms('+2')])).map((x) => x.task._id);
      expect(ids(await q.lease('sms', 'remote', 5))).toEqual([free]);
      expect(await q.reportAndLease('sms', 'remote', [], 5)).toEqual([]);
      expect(ids(await q.reportAndLease('sms', 'wa', [], 5, undefined, { modem: 'a' }))).toEqual([pinned]);
    });

    it('a task routed to a group goes to any of its modems, never to another', async () => {
      const { q } = await open();
      const t = await addOne(q, routed('+1', ['a', 'b']));
      expect(await q.lease('sms', 'wc', 1, undefined, { modem: 'c' })).toEqual([]);
      expect(ids(await q.lease('sms', 'wb', 1, undefined, { modem: 'b' }))).toEqual([t._id]);
    });

    it('nextPriority and waitForWork answer for the asking modem', async () => {
      const { q } = await open();
      await addOne(q, routed('+1', ['a'], { priority: 7 }));
      expect(q.nextPriority('sms', { modem: 'a' })).toBe(7);
      expect(q.nextPriority('sms', { modem: 'b' })).toBeUndefined();
      expect(q.nextPriority('sms')).toBeUndefined();
      await q.waitForWork('sms', 60_000, undefined, { modem: 'a' }); // at once: a task is ready for a
      const ab = new AbortController();
      let resolved = false;
      const waiting = q.waitForWork('sms', 60_000, ab.signal, { modem: 'b' }).then(() => (resolved = true));
      await new Promise((r) => setTimeout(r, 20));
      expect(resolved).toBe(false);
      ab.abort();
      await waiting;
    });

    it('a task given back by its modem waits for that modem again; other modems still cannot take it', async () => {
      const { q } = await open();
      const t = await addOne(q, routed('+1', ['a']));
      await q.lease('sms', 'wa', 1, undefined, { modem: 'a' });
      await q.release('sms', 'wa', t._id, 'modem a not ready');
      expect(await q.lease('sms', 'wb', 1, undefined, { modem: 'b' })).toEqual([]);
      expect(ids(await q.lease('sms', 'wa', 1, undefined, { modem: 'a' }))).toEqual([t._id]);
    });

    it('a routed task whose validity ends while its modem takes nothing fails, naming the modem it waited for', async () => {
      const { q, clock } = await open();
      const t = await addOne(q, routed('+1', ['a'], { via: 'a', validUntil: new Date(START + 30_000) }));
      expect(await q.lease('sms', 'wb', 1, undefined, { modem: 'b' })).toEqual([]);
      clock.advance(30_000);
      await q.sweep();
      const failed = await q.get('sms', t._id);
      expect(failed.status).toBe('failed');
      expect(failed.error).toBe('expired: validUntil passed before it could be sent while it waited for modem a (via a)');
      expect(failed.finishedAt).toBe(iso(START + 30_000));
    });

    it('the routing outlives a restart', async () => {
      const env = await open();
      const t = await addOne(env.q, routed('+1', ['a'], { via: 'a' }));
      await env.restart();
      expect(await env.q.lease('sms', 'remote', 1)).toEqual([]);
      expect(ids(await env.q.lease('sms', 'wa', 1, undefined, { modem: 'a' }))).toEqual([t._id]);
    });
  });
}
