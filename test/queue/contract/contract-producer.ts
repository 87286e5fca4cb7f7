import { describe, expect, it } from 'vitest';
import type { SmsQueue } from '../../../src/queue/sms-queue.js';
import { START, addOne, codeOf, contractQueues, ids, iso, leaseOne, sms, type OpenQueue } from './contract-kit.js';

/** A task of "sms" that is done. */
async function doneTask(q: SmsQueue, key?: string): Promise<string> {
  const t = await addOne(q, sms('+1', key !== undefined ? { idempotencyKey: key } : {}));
  await leaseOne(q, 'w');
  await q.report('sms', 'w', [{ _id: t._id, status: 'done' }]);
  return t._id;
}

/** What producers do: add, idempotency, limits, cancel/pause/resume, get. */
export function producerContract(open: OpenQueue): void {
  describe('add', () => {
    it('stores the tasks as given, in order, each created', async () => {
      const { q } = await open();
      const out = await q.add('sms', [
        { data: { to: '+61400000001', msg: 'one' }, parts: 1 },
        { data: { to: '+61400000002', msg: 'two' }, parts: 2, priority: 5, sendAt: new Date(START + 1_000), validUntil: new Date(START + 9_000), idempotencyKey: 'k2' },
        { data: { to: '+61400000003', msg: 'three' }, parts: 1, paused: true },
      ]);
      expect(out.map((o) => o.created)).toEqual([true, true, true]);
      const [a, b, c] = out.map((o) => o.task);
      expect(a).toMatchObject({ queue: 'sms', data: { to: '+61400000001', msg: 'one' }, status: 'queued', priority: 0, parts: 1, createdAt: iso(START), updatedAt: iso(START), attempts: [] });
      expect(b).toMatchObject({ status: 'queued', priority: 5, parts: 2, sendAt: iso(START + 1_000), validUntil: iso(START + 9_000), idempotencyKey: 'k2' });
      expect(c!.status).toBe('paused');
      expect(a!.seq < b!.seq && b!.seq < c!.seq).toBe(true);
      expect(new Set(out.map((o) => o.task._id)).size).toBe(3);
      for (const t of [a!, b!, c!]) expect(await q.get('sms', t._id)).toEqual(t);
    });

    it('a retry of a batch already taken gets its tasks back at the limit, not QUEUE_FULL', async () => {
      const { q } = await open({ maxLiveTasks: 2 });
      const first = await q.add('sms', [sms('+1', { idempotencyKey: 'a' }), sms('+2', { idempotencyKey: 'b' })]);
      const again = await q.add('sms', [sms('+1', { idempotencyKey: 'a' }), sms('+2', { idempotencyKey: 'b' })]);
      expect(again.map((o) => [o.task._id, o.created])).toEqual(first.map((o) => [o.task._id, false]));
      expect(await codeOf(() => q.add('sms', [sms('+1', { idempotencyKey: 'a' }), sms('+3', { idempotencyKey: 'c' })]))).toBe('QUEUE_FULL');
    });

    it('past maxLiveTasks the whole batch is refused with QUEUE_FULL and nothing of it is stored', async () => {
      const { q } = await open({ maxLiveTasks: 3 });
      await q.add('sms', [sms('+1'), sms('+2')]);
      expect(await codeOf(() => q.add('sms', [sms('+3'), sms('+4')]))).toBe('QUEUE_FULL');
      expect(q.counts('sms').queued).toBe(2);
      expect((await q.listTasks('sms', { limit: 10 })).items).toHaveLength(2);
      await q.add('sms', [sms('+3')]);
      expect(q.counts('sms').queued).toBe(3);
    });

    it('maxLiveTasks counts live tasks of every queue, not finished ones', async () => {
      const { q } = await open({ maxLiveTasks: 2 });
      await doneTask(q);
      await addOne(q, sms('+2'), 'other');
      await addOne(q, sms('+3'));
      expect(await codeOf(() => q.add('other', [sms('+4')]))).toBe('QUEUE_FULL');
    });

    it('knows its queues and their settings, and writes and takes new sends when fresh', async () => {
      const { q } = await open({ sms: { maxAttempts: 4 } });
      expect(q.queueNames).toEqual(['sms', 'other']);
      expect(q.settings('sms')).toEqual(contractQueues({ maxAttempts: 4 }).sms);
      expect(q.settings('other')).toEqual(contractQueues().other);
      expect(q.health()).toMatchObject({ writable: true, acceptingNew: true });
    });

    it('an unknown queue is QUEUE_NOT_FOUND everywhere', async () => {
      const { q } = await open();
      const t = await addOne(q);
      const calls: Array<() => unknown> = [
        () => q.settings('nope'),
        () => q.add('nope', [sms('+1')]),
        () => q.lease('nope', 'w', 1),
        () => q.report('nope', 'w', [{ _id: t._id, status: 'done' }]),
        () => q.reportAndLease('nope', 'w', [], 1),
        () => q.get('nope', t._id),
        () => q.cancel('nope', t._id),
        () => q.pause('nope', t._id),
        () => q.resume('nope', t._id),
        () => q.receive('nope', { from: '+1', msg: 'x', source: 'http' }),
        () => q.listTasks('nope', { limit: 1 }),
        () => q.listInbox('nope', { limit: 1 }),
      ];
      const codes: unknown[] = [];
      for (const call of calls) codes.push(await codeOf(call));
      expect(codes).toEqual(calls.map(() => 'QUEUE_NOT_FOUND'));
    });
  });

  describe('idempotency', () => {
    it('the same key for the same message returns the first task, created false, and stores nothing new', async () => {
      const { q } = await open();
      const [first] = await q.add('sms', [{ data: { to: '+1', msg: 'first' }, parts: 1, idempotencyKey: 'k' }]);
      const [again] = await q.add('sms', [{ data: { to: '+1', msg: 'first' }, parts: 1, priority: 10, idempotencyKey: 'k' }]);
      expect(first!.created).toBe(true);
      expect(again).toEqual({ task: first!.task, created: false });
      expect(q.counts('sms').queued).toBe(1);
    });

    it('the same key for another to or msg is IDEMPOTENCY_CONFLICT naming the key, and nothing changes', async () => {
      const { q } = await open();
      const [first] = await q.add('sms', [{ data: { to: '+1', msg: 'first' }, parts: 1, idempotencyKey: 'k1' }]);
      for (const data of [{ to: '+2', msg: 'first' }, { to: '+1', msg: 'second' }]) {
        const err = await q.add('sms', [{ data, parts: 1, idempotencyKey: 'k1' }]).then(() => undefined, (e: unknown) => e);
        expect(err).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', message: 'idempotencyKey "k1" was used for another message (to/msg differ); use a new key', details: { field: 'idempotencyKey' } });
      }
      expect(await q.get('sms', first!.task._id)).toEqual(first!.task);
      expect(q.counts('sms').queued).toBe(1);
    });

    it('a conflict anywhere in a batch refuses it all: nothing of it is stored, no key is taken', async () => {
      const { q } = await open();
      await addOne(q, sms('+1', { idempotencyKey: 'k' }));
      expect(await codeOf(() => q.add('sms', [sms('+2', { idempotencyKey: 'fresh' }), sms('+3'), sms('+9', { idempotencyKey: 'k' })]))).toBe('IDEMPOTENCY_CONFLICT');
      expect(await codeOf(() => q.add('sms', [sms('+4', { idempotencyKey: 'twice' }), sms('+5', { idempotencyKey: 'twice' })]))).toBe('IDEMPOTENCY_CONFLICT');
      expect(q.counts('sms').queued).toBe(1);
      expect((await q.listTasks('sms', { limit: 10 })).items).toHaveLength(1);
      const [fresh] = await q.add('sms', [sms('+6', { idempotencyKey: 'fresh' })]);
      expect(fresh!.created).toBe(true);
    });

    it('a key repeated within one batch for the same message yields one task', async () => {
      const { q } = await open();
      const out = await q.add('sms', [sms('+1', { idempotencyKey: 'k' }), sms('+1', { idempotencyKey: 'k' })]);
      expect(out.map((o) => o.created)).toEqual([true, false]);
      expect(out[1]!.task._id).toBe(out[0]!.task._id);
      expect(q.counts('sms').queued).toBe(1);
    });

    it('the key still answers with the task after it finished, and still refuses another message', async () => {
      const { q } = await open();
      const id = await doneTask(q, 'k');
      expect(await codeOf(() => q.add('sms', [sms('+9', { idempotencyKey: 'k' })]))).toBe('IDEMPOTENCY_CONFLICT');
      const [again] = await q.add('sms', [sms('+1', { idempotencyKey: 'k' })]);
      expect(again!.created).toBe(false);
      expect(again!.task._id).toBe(id);
      expect(again!.task.status).toBe('done');
      expect(q.counts('sms')).toMatchObject({ queued: 0, done: 1 });
    });

    it('the key still answers after a restart', async () => {
      const env = await open();
      const [first] = await env.q.add('sms', [sms('+1', { idempotencyKey: 'k' })]);
      const q = await env.restart();
      expect(await codeOf(() => q.add('sms', [sms('+2', { idempotencyKey: 'k' })]))).toBe('IDEMPOTENCY_CONFLICT');
      const [again] = await q.add('sms', [sms('+1', { idempotencyKey: 'k' })]);
      expect(again).toEqual({ task: first!.task, created: false });
    });

    it('keys belong to their queue: the same key in another queue is another task', async () => {
      const { q } = await open();
      const [a] = await q.add('sms', [sms('+1', { idempotencyKey: 'k' })]);
      const [b] = await q.add('other', [sms('+1', { idempotencyKey: 'k' })]);
      expect(b!.created).toBe(true);
      expect(b!.task._id).not.toBe(a!.task._id);
    });
  });

  describe('cancel, pause, resume, get', () => {
    it('cancel takes a queued or a paused task out for good', async () => {
      const { q } = await open();
      const [a, b] = (await q.add('sms', [sms('+1'), sms('+2', { paused: true })])).map((x) => x.task);
      const ca = await q.cancel('sms', a!._id);
      const cb = await q.cancel('sms', b!._id);
      expect([ca.status, cb.status]).toEqual(['cancelled', 'cancelled']);
      expect(ca.finishedAt).toBe(iso(START));
      expect(await q.get('sms', a!._id)).toEqual(ca);
      expect(await q.lease('sms', 'w', 5)).toEqual([]);
      expect(await codeOf(() => q.resume('sms', b!._id))).toBe('TASK_CONFLICT');
    });

    it('cancel refuses a task in progress or finished with TASK_CONFLICT', async () => {
      const { q } = await open();
      const done = await doneTask(q);
      const t = await addOne(q, sms('+2'));
      await leaseOne(q, 'w');
      const gone = await addOne(q, sms('+3'));
      await q.cancel('sms', gone._id);
      expect(await codeOf(() => q.cancel('sms', t._id))).toBe('TASK_CONFLICT');
      expect(await codeOf(() => q.cancel('sms', done))).toBe('TASK_CONFLICT');
      expect(await codeOf(() => q.cancel('sms', gone._id))).toBe('TASK_CONFLICT');
      expect((await q.get('sms', t._id)).status).toBe('in progress');
    });

    it('pause keeps a queued task from being handed out; resume puts it back in its place', async () => {
      const { q } = await open();
      const [a, b, c] = (await q.add('sms', [sms('+1'), sms('+2'), sms('+3')])).map((x) => x.task);
      expect((await q.pause('sms', a!._id)).status).toBe('paused');
      expect(ids(await q.lease('sms', 'w', 1))).toEqual([b!._id]);
      expect((await q.resume('sms', a!._id)).status).toBe('queued');
      expect(ids(await q.lease('sms', 'w', 5))).toEqual([a!._id, c!._id]);
    });

    it('pause takes only queued tasks, resume only paused ones (TASK_CONFLICT)', async () => {
      const { q } = await open();
      const [a, b] = (await q.add('sms', [sms('+1'), sms('+2', { paused: true })])).map((x) => x.task);
      await leaseOne(q, 'w');
      const done = await doneTask(q);
      expect(await codeOf(() => q.pause('sms', a!._id))).toBe('TASK_CONFLICT');
      expect(await codeOf(() => q.pause('sms', b!._id))).toBe('TASK_CONFLICT');
      expect(await codeOf(() => q.pause('sms', done))).toBe('TASK_CONFLICT');
      expect(await codeOf(() => q.resume('sms', a!._id))).toBe('TASK_CONFLICT');
      expect(await codeOf(() => q.resume('sms', done))).toBe('TASK_CONFLICT');
      expect((await q.get('sms', b!._id)).status).toBe('paused');
    });

    it('get, cancel, pause and resume answer TASK_NOT_FOUND for an unknown id or a task of another queue', async () => {
      const { q } = await open();
      const elsewhere = await addOne(q, sms('+1'), 'other');
      const finishedHere = await doneTask(q);
      const codes: unknown[] = [];
      for (const id of ['no-such-task', elsewhere._id]) {
        codes.push(await codeOf(() => q.get('sms', id)), await codeOf(() => q.cancel('sms', id)), await codeOf(() => q.pause('sms', id)), await codeOf(() => q.resume('sms', id)));
      }
      codes.push(await codeOf(() => q.get('other', finishedHere)));
      expect(codes).toEqual(Array(9).fill('TASK_NOT_FOUND'));
      expect((await q.get('other', elsewhere._id)).status).toBe('queued');
    });
  });
}
