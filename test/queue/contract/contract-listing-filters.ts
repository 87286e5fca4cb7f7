import { describe, expect, it } from 'vitest';
import type { SmsQueue, TaskListing } from '../../../src/queue/sms-queue.js';
import type { Task } from '../../../src/queue/task.js';
import { START, addOne, ids, leaseOne, sms, type OpenQueue } from './contract-kit.js';

/** Every task of a listing, following `next` until it is absent (at most 100 pages). */
async function allPages(q: SmsQueue, opts: TaskListing): Promise<Task[]> {
  const out: Task[] = [];
  let cursor: number | undefined;
  for (let n = 0; n < 100; n++) {
    const page = await q.listTasks('sms', { ...opts, ...(cursor !== undefined && { cursor }) });
    out.push(...page.items);
    if (page.next === undefined) return out;
    cursor = Number(page.next);
  }
  throw new Error('the listing did not end within 100 pages');
}

/** The dashboard's listings: tasks newest first, tasks by recipient, received SMS by sender. */
export function listingFilterContract(open: OpenQueue): void {
  describe('listTasks order desc', () => {
    it('pages newest first, each page before the cursor of the one before; no next on the last page', async () => {
      const { q } = await open();
      const [t0, t1, t2] = (await q.add('sms', [sms('+1'), sms('+2'), sms('+3')])).map((x) => x.task);
      await addOne(q, sms('+9'), 'other');
      const [t3, t4] = (await q.add('sms', [sms('+4', { priority: 10 }), sms('+5')])).map((x) => x.task);
      const p1 = await q.listTasks('sms', { limit: 2, order: 'desc' });
      expect(ids(p1.items)).toEqual([t4!._id, t3!._id]);
      const p2 = await q.listTasks('sms', { limit: 2, order: 'desc', cursor: Number(p1.next) });
      expect(ids(p2.items)).toEqual([t2!._id, t1!._id]);
      const p3 = await q.listTasks('sms', { limit: 2, order: 'desc', cursor: Number(p2.next) });
      expect(ids(p3.items)).toEqual([t0!._id]);
      expect(p3.next).toBeUndefined();
      expect(ids((await q.listTasks('sms', { limit: 10, order: 'asc' })).items)).toEqual([t0, t1, t2, t3, t4].map((t) => t!._id));
    });

    it('filters by status newest first, finished tasks included', async () => {
      const { q } = await open();
      const [t0, t1, t2, t3] = (await q.add('sms', [sms('+1'), sms('+2'), sms('+3'), sms('+4')])).map((x) => x.task);
      await leaseOne(q, 'w');
      await q.report('sms', 'w', [{ _id: t0!._id, status: 'done' }]);
      await q.cancel('sms', t2!._id);
      expect(ids((await q.listTasks('sms', { limit: 10, order: 'desc', status: 'queued' })).items)).toEqual([t3!._id, t1!._id]);
      expect(ids((await q.listTasks('sms', { limit: 10, order: 'desc' })).items)).toEqual([t3, t2, t1, t0].map((t) => t!._id));
      const done = await q.listTasks('sms', { limit: 10, order: 'desc', status: 'done' });
      expect(ids(done.items)).toEqual([t0!._id]);
      expect(done.items[0]!.status).toBe('done');
    });
  });

  describe('listTasks to', () => {
    it('lists the tasks whose recipient contains the digits, live and finished, in either order', async () => {
      const { q } = await open();
      const [a, , b, , c] = (await q.add('sms', [sms('+61400111222'), sms('+61400999888'), sms('+61400111333'), sms('+4915100000'), sms('+61400111444')])).map((x) => x.task);
      await addOne(q, sms('+61400111555'), 'other');
      await leaseOne(q, 'w');
      await q.report('sms', 'w', [{ _id: a!._id, status: 'done' }]);
      expect(ids((await q.listTasks('sms', { limit: 10, to: '400111' })).items)).toEqual([a, b, c].map((t) => t!._id));
      expect(ids((await q.listTasks('sms', { limit: 10, to: '+61400111', order: 'desc' })).items)).toEqual([c, b, a].map((t) => t!._id));
      expect(ids((await q.listTasks('sms', { limit: 10, to: '400111', status: 'done' })).items)).toEqual([a!._id]);
      expect((await q.listTasks('sms', { limit: 10, to: '777' })).items).toEqual([]);
    });

    it('pages through the matches with next, and ends without one', async () => {
      const { q } = await open();
      const tasks = (await q.add('sms', [sms('+61400111001'), sms('+61400222002'), sms('+61400111003'), sms('+61400111004')])).map((x) => x.task);
      const p1 = await q.listTasks('sms', { limit: 2, to: '400111' });
      expect(ids(p1.items)).toEqual([tasks[0]!._id, tasks[2]!._id]);
      expect(p1.next).toEqual(expect.any(String));
      const p2 = await q.listTasks('sms', { limit: 2, to: '400111', cursor: Number(p1.next) });
      expect(ids(p2.items)).toEqual([tasks[3]!._id]);
      expect(p2.next).toBeUndefined();
    });

    it('a scan cut short by maxScan answers a next that goes on, so every match is found once', async () => {
      const { q } = await open();
      const items = Array.from({ length: 30 }, (_, i) => sms(i % 7 === 0 ? `+6140011${String(i).padStart(4, '0')}` : `+4915100${String(i).padStart(4, '0')}`));
      const tasks = (await q.add('sms', items)).map((x) => x.task);
      const want = tasks.filter((t) => t.data.to.includes('6140011'));
      expect(ids(await allPages(q, { limit: 2, to: '6140011', maxScan: 4 }))).toEqual(ids(want));
      expect(ids(await allPages(q, { limit: 2, to: '6140011', maxScan: 4, order: 'desc' }))).toEqual(ids(want).reverse());
    });
  });

  describe('listInbox from', () => {
    it('lists the messages whose sender contains the digits, newest first with desc, paged', async () => {
      const { q } = await open();
      const senders = ['+61400111001', '+4915100000', '+61400111002', '+61400111003', '+4915100001'];
      const got = [];
      for (const [i, from] of senders.entries()) got.push((await q.receive('sms', { from, msg: `m${i}`, source: 'http', receivedAt: new Date(START + i * 1000) })).entry);
      await q.receive('other', { from: '+61400111009', msg: 'elsewhere', source: 'http', receivedAt: new Date(START + 9000) });
      const [m0, , m2, m3] = got;
      expect(ids((await q.listInbox('sms', { limit: 10, from: '400111' })).items)).toEqual([m0, m2, m3].map((m) => m!._id));
      const p1 = await q.listInbox('sms', { limit: 2, order: 'desc', from: '+61400111' });
      expect(ids(p1.items)).toEqual([m3!._id, m2!._id]);
      const p2 = await q.listInbox('sms', { limit: 2, order: 'desc', from: '+61400111', afterSeq: Number(p1.next) });
      expect(ids(p2.items)).toEqual([m0!._id]);
      const p3 = await q.listInbox('sms', { limit: 2, order: 'desc', from: '+61400111', afterSeq: Number(p2.next) });
      expect(p3.items).toEqual([]);
      expect(p3.next).toEqual(expect.any(String));
      expect((await q.listInbox('sms', { limit: 10, from: '777' })).items).toEqual([]);
    });

    it('a poll by sender from the last next sees only what arrived since', async () => {
      const { q } = await open();
      await q.receive('sms', { from: '+61400111001', msg: 'a', source: 'http', receivedAt: new Date(START) });
      const first = await q.listInbox('sms', { limit: 10, from: '400111' });
      await q.receive('sms', { from: '+4915100000', msg: 'b', source: 'http', receivedAt: new Date(START + 1000) });
      const later = await q.receive('sms', { from: '+61400111001', msg: 'c', source: 'http', receivedAt: new Date(START + 2000) });
      expect(ids((await q.listInbox('sms', { limit: 10, from: '400111', afterSeq: Number(first.next) })).items)).toEqual([later.entry._id]);
    });
  });
}
