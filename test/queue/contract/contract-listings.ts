import { describe, expect, it } from 'vitest';
import type { SmsQueue } from '../../../src/queue/sms-queue.js';
import type { InboxEntry } from '../../../src/queue/task.js';
import { START, addOne, ids, iso, leaseOne, sms, type OpenQueue } from './contract-kit.js';

/** Receives `n` messages in `queue`, one second apart from START. */
async function receiveMany(q: SmsQueue, n: number, queue = 'sms'): Promise<InboxEntry[]> {
  const out: InboxEntry[] = [];
  for (let i = 0; i < n; i++) out.push((await q.receive(queue, { from: `+4915100000${i}`, msg: `m${i}`, source: 'http', receivedAt: new Date(START + i * 1_000) })).entry);
  return out;
}

/** Paged listings of tasks and of the inbox, and receiving. */
export function listingContract(open: OpenQueue): void {
  describe('listTasks', () => {
    it('pages oldest first, each page after the cursor of the one before', async () => {
      const { q } = await open();
      const [t0, t1, t2] = (await q.add('sms', [sms('+1'), sms('+2'), sms('+3')])).map((x) => x.task);
      await addOne(q, sms('+9'), 'other');
      const [t3, t4] = (await q.add('sms', [sms('+4', { priority: 10 }), sms('+5')])).map((x) => x.task);
      const p1 = await q.listTasks('sms', { limit: 2 });
      expect(ids(p1.items)).toEqual([t0!._id, t1!._id]);
      expect(p1.next).toEqual(expect.any(String));
      const p2 = await q.listTasks('sms', { limit: 2, cursor: Number(p1.next) });
      expect(ids(p2.items)).toEqual([t2!._id, t3!._id]);
      const p3 = await q.listTasks('sms', { limit: 2, cursor: Number(p2.next) });
      expect(ids(p3.items)).toEqual([t4!._id]);
      expect(p3.next).toBeUndefined();
    });

    it('filters by status, finished tasks included', async () => {
      const { q } = await open();
      const [t0, t1, t2, t3, t4] = (await q.add('sms', [sms('+1'), sms('+2'), sms('+3'), sms('+4'), sms('+5', { paused: true })])).map((x) => x.task);
      await leaseOne(q, 'w');
      await q.report('sms', 'w', [{ _id: t0!._id, status: 'done' }]);
      await q.cancel('sms', t2!._id);
      expect(ids((await q.listTasks('sms', { limit: 10, status: 'queued' })).items)).toEqual([t1!._id, t3!._id]);
      expect(ids((await q.listTasks('sms', { limit: 10, status: 'done' })).items)).toEqual([t0!._id]);
      expect(ids((await q.listTasks('sms', { limit: 10, status: 'cancelled' })).items)).toEqual([t2!._id]);
      expect(ids((await q.listTasks('sms', { limit: 10, status: 'paused' })).items)).toEqual([t4!._id]);
      const p1 = await q.listTasks('sms', { limit: 1, status: 'queued' });
      expect(ids(p1.items)).toEqual([t1!._id]);
      const p2 = await q.listTasks('sms', { limit: 1, status: 'queued', cursor: Number(p1.next) });
      expect(ids(p2.items)).toEqual([t3!._id]);
      expect(p2.next).toBeUndefined();
      expect((await q.listTasks('sms', { limit: 10, status: 'done' })).items[0]!.status).toBe('done');
    });
  });

  describe('listInbox', () => {
    it('pages oldest first; next is the afterSeq of the following page, on the last page too', async () => {
      const { q } = await open();
      const [m0, m1, m2] = await receiveMany(q, 3);
      await receiveMany(q, 1, 'other');
      const [m3, m4] = await receiveMany(q, 2);
      const p1 = await q.listInbox('sms', { limit: 2 });
      expect(ids(p1.items)).toEqual([m0!._id, m1!._id]);
      const p2 = await q.listInbox('sms', { limit: 2, afterSeq: Number(p1.next) });
      expect(ids(p2.items)).toEqual([m2!._id, m3!._id]);
      const p3 = await q.listInbox('sms', { limit: 2, afterSeq: Number(p2.next) });
      expect(ids(p3.items)).toEqual([m4!._id]);
      expect(p3.next).toBe(String(m4!.seq));
    });

    it('an empty page keeps the cursor, so that a poller comes back to where it was', async () => {
      const { q } = await open();
      expect(await q.listInbox('sms', { limit: 10 })).toEqual({ items: [], next: '0' });
      const [m0] = await receiveMany(q, 1);
      const first = await q.listInbox('sms', { limit: 10 });
      expect(first).toEqual({ items: [m0], next: String(m0!.seq) });
      expect(await q.listInbox('sms', { limit: 10, afterSeq: Number(first.next) })).toEqual({ items: [], next: first.next });
      await receiveMany(q, 1, 'other');
      expect(await q.listInbox('sms', { limit: 10, afterSeq: Number(first.next) })).toEqual({ items: [], next: first.next });
      const later = await q.receive('sms', { from: '+1', msg: 'later', source: 'http', receivedAt: new Date(START + 9_000) });
      expect(await q.listInbox('sms', { limit: 10, afterSeq: Number(first.next) })).toEqual({ items: [later.entry], next: String(later.entry.seq) });
    });

    it('afterTime lists what was received after that instant', async () => {
      const { q } = await open();
      const [, , m2, m3] = await receiveMany(q, 4);
      const page = await q.listInbox('sms', { limit: 10, afterTime: new Date(START + 1_000) });
      expect(ids(page.items)).toEqual([m2!._id, m3!._id]);
      expect(page.next).toBe(String(m3!.seq));
      // Nothing after the instant yet: next is a cursor past everything looked at.
      const none = await q.listInbox('sms', { limit: 10, afterTime: new Date(START + 60_000) });
      expect(none.items).toEqual([]);
      const later = await q.receive('sms', { from: '+1', msg: 'later', source: 'http', receivedAt: new Date(START + 90_000) });
      expect(ids((await q.listInbox('sms', { limit: 10, afterSeq: Number(none.next) })).items)).toEqual([later.entry._id]);
    });

    it('order desc lists newest first, and next pages further into the past', async () => {
      const { q } = await open();
      const [m0, m1, m2] = await receiveMany(q, 3);
      await receiveMany(q, 1, 'other');
      const [m3, m4] = await receiveMany(q, 2);
      const p1 = await q.listInbox('sms', { limit: 2, order: 'desc' });
      expect(ids(p1.items)).toEqual([m4!._id, m3!._id]);
      expect(p1.next).toBe(String(m3!.seq));
      const p2 = await q.listInbox('sms', { limit: 2, order: 'desc', afterSeq: Number(p1.next) });
      expect(ids(p2.items)).toEqual([m2!._id, m1!._id]);
      const p3 = await q.listInbox('sms', { limit: 2, order: 'desc', afterSeq: Number(p2.next) });
      expect(ids(p3.items)).toEqual([m0!._id]);
      expect(p3.next).toBe(String(m0!.seq));
      // Past the oldest: an empty page that keeps the cursor.
      expect(await q.listInbox('sms', { limit: 2, order: 'desc', afterSeq: Number(p3.next) })).toEqual({ items: [], next: p3.next });
      expect(ids((await q.listInbox('sms', { limit: 10, order: 'asc' })).items)).toEqual([m0, m1, m2, m3, m4].map((m) => m!._id));
    });

    it('order desc with an instant lists what was received before it, newest first', async () => {
      const { q } = await open();
      const [m0, m1, m2] = await receiveMany(q, 4);
      const page = await q.listInbox('sms', { limit: 10, order: 'desc', afterTime: new Date(START + 3_000) });
      expect(ids(page.items)).toEqual([m2!._id, m1!._id, m0!._id]);
      expect(page.next).toBe(String(m0!.seq));
      const none = await q.listInbox('sms', { limit: 10, order: 'desc', afterTime: new Date(START) });
      expect(none.items).toEqual([]);
      expect((await q.listInbox('sms', { limit: 10, order: 'desc', afterSeq: Number(none.next) })).items).toEqual([]);
    });
  });

  describe('receive', () => {
    it('stores the message as given and lists it', async () => {
      const { q } = await open();
      const r = await q.receive('sms', { from: '+491510000001', msg: 'hi there', source: 'modem:m0', receivedAt: new Date(START + 5), sentAt: new Date(START - 60_000), dedupKey: 'm0:1', incomplete: true });
      expect(r.duplicate).toBe(false);
      expect(r.entry).toMatchObject({ queue: 'sms', from: '+491510000001', msg: 'hi there', source: 'modem:m0', receivedAt: iso(START + 5), sentAt: iso(START - 60_000), dedupKey: 'm0:1', incomplete: true });
      expect((await q.listInbox('sms', { limit: 10 })).items).toEqual([r.entry]);
      expect((await q.listInbox('other', { limit: 10 })).items).toEqual([]);
    });

    it('a dedupKey is per queue, and a message without receivedAt gets the queue clock', async () => {
      const { q, clock } = await open();
      clock.advance(5_000);
      const a = await q.receive('sms', { from: '+1', msg: 'to sms', source: 'http', dedupKey: 'same' });
      const b = await q.receive('other', { from: '+1', msg: 'to other', source: 'http', dedupKey: 'same' });
      expect([a.duplicate, b.duplicate]).toEqual([false, false]);
      expect(b.entry).toMatchObject({ queue: 'other', msg: 'to other', receivedAt: iso(START + 5_000) });
      expect((await q.receive('other', { from: '+1', msg: 'to other', source: 'http', dedupKey: 'same' })).entry._id).toBe(b.entry._id);
    });

    it('stores a message once per dedupKey: the second time it is a duplicate answered with the first entry', async () => {
      const { q } = await open();
      const first = await q.receive('sms', { from: '+1', msg: 'a', source: 'modem:m0', dedupKey: 'k1', receivedAt: new Date(START) });
      const again = await q.receive('sms', { from: '+1', msg: 'a', source: 'modem:m0', dedupKey: 'k1', receivedAt: new Date(START + 1_000) });
      expect(again).toEqual({ entry: first.entry, duplicate: true });
      expect((await q.listInbox('sms', { limit: 10 })).items).toHaveLength(1);
    });

    it('a dedupKey is remembered across a restart', async () => {
      const env = await open();
      const first = await env.q.receive('sms', { from: '+1', msg: 'a', source: 'modem:m0', dedupKey: 'k1', receivedAt: new Date(START) });
      const q = await env.restart();
      expect(await q.receive('sms', { from: '+1', msg: 'a', source: 'modem:m0', dedupKey: 'k1' })).toEqual({ entry: first.entry, duplicate: true });
    });

    it('messages without a dedupKey are all stored', async () => {
      const { q } = await open();
      const a = await q.receive('sms', { from: '+1', msg: 'same', source: 'http', receivedAt: new Date(START) });
      const b = await q.receive('sms', { from: '+1', msg: 'same', source: 'http', receivedAt: new Date(START) });
      expect([a.duplicate, b.duplicate]).toEqual([false, false]);
      expect(b.entry._id).not.toBe(a.entry._id);
      expect((await q.listInbox('sms', { limit: 10 })).items).toHaveLength(2);
    });
  });
}
