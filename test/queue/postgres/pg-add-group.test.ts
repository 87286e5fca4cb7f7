/**
 * Group commit of `add` on PostgreSQL (pg-add-group.ts): calls judged and inserted
 * together keep the answers each would get alone, also when another box's transaction
 * takes one of their keys meanwhile (the group then runs again call by call).
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { isKatarError } from '../../../src/errors.js';
import { newTaskRecord } from '../../../src/queue/new-tasks.js';
import { Database } from '../../../src/queue/postgres/pg-pool.js';
import { PgQueue } from '../../../src/queue/postgres/pg-queue.js';
import { insertNewTasks } from '../../../src/queue/postgres/pg-rows.js';
import type { Task } from '../../../src/queue/task.js';
import { freshDatabase } from '../../helpers/postgres.js';
import { TestClock } from '../../helpers/test-clock.js';

const provided = inject('postgres');
const queues = parseConfig({ queues: { sms: { leaseMs: 60_000, maxAttempts: 3 } } }).queues;
const sms = (to: string, key?: string) => ({ data: { to, msg: `hello ${to}` }, parts: 1, ...(key !== undefined && { idempotencyKey: key }) });

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function open(): Promise<{ q: PgQueue; db: Database }> {
  const d = await freshDatabase(provided.url!);
  cleanups.push(() => d.drop());
  const db = new Database({ url: d.url, size: 3 });
  const q = await PgQueue.open({ db, queues, clock: new TestClock(), sweepIntervalMs: 0, pollMs: 0, owned: [() => db.close()] });
  cleanups.push(() => q.close());
  const other = new Database({ url: d.url, size: 1 });
  cleanups.push(() => other.close());
  return { q, db: other };
}

/**
 * Another box's transaction that inserts tasks with `keys` and commits only when
 * `commit()` is called: an add of the same key meanwhile waits on the unique index, then
 * fails on it.
 */
function heldInsert(db: Database, keys: string[]): { tasks: Promise<Task[]>; commit: () => void; done: Promise<void> } {
  let commit!: () => void;
  const go = new Promise<void>((r) => (commit = r));
  let inserted!: (t: Task[]) => void;
  const tasks = new Promise<Task[]>((r) => (inserted = r));
  const done = db.tx(async (sql) => {
    const ts = keys.map((k, i) => newTaskRecord(sms(`+6140000000${i}`, k), 'sms', 0, Date.now(), new Date().toISOString()));
    await insertNewTasks(sql, ts);
    inserted(ts);
    await go;
  });
  return { tasks, commit, done };
}

const outcome = (p: Promise<Array<{ task: Task; created: boolean }>>): Promise<unknown> =>
  p.then(
    (r) => r.map((x) => ({ to: x.task.data.to, created: x.created })),
    (err: unknown) => (isKatarError(err) ? err.code : err),
  );

describe.skipIf(!provided.url)('group commit of add on PostgreSQL', () => {
  it('a key another box takes meanwhile: the group runs again call by call, each finds that box task', async () => {
    const { q, db } = await open();
    const held = heldInsert(db, ['x', 'y']);
    const [tx, ty] = await held.tasks;
    // The first two calls take both transactions of adds and wait on the index; the
    // next two wait for a transaction and go in one group.
    const first = q.add('sms', [sms('+61400000000', 'x')]);
    const second = q.add('sms', [sms('+61400000001', 'y')]);
    // Outcomes taken at once: a refusal that comes before the test looks is not an unhandled rejection.
    const plain = outcome(q.add('sms', [sms('+3')]));
    const otherText = outcome(q.add('sms', [{ data: { to: '+61400000000', msg: 'another text' }, parts: 1, idempotencyKey: 'x' }]));
    await new Promise((r) => setTimeout(r, 200));
    held.commit();
    await held.done;
    const [a, b] = await Promise.all([first, second]);
    expect(a![0]!.task._id).toBe(tx!._id);
    expect(b![0]!.task._id).toBe(ty!._id);
    expect([a![0]!.created, b![0]!.created]).toEqual([false, false]);
    expect(await plain).toEqual([{ to: '+3', created: true }]);
    expect(await otherText).toBe('IDEMPOTENCY_CONFLICT');
    expect((await q.listTasks('sms', { limit: 10 })).items.map((t) => t.data.to)).toEqual(['+61400000000', '+61400000001', '+3']);
  });

  it('a key repeated across the calls of one group: the first creates, the same message finds it, another text is refused alone', async () => {
    const { q, db } = await open();
    const held = heldInsert(db, ['busy1', 'busy2']);
    await held.tasks;
    const blockers = [q.add('sms', [sms('+61400000000', 'busy1')]), q.add('sms', [sms('+61400000001', 'busy2')])];
    const calls = [q.add('sms', [sms('+5', 'k')]), q.add('sms', [sms('+5', 'k')]), q.add('sms', [{ data: { to: '+5', msg: 'other' }, parts: 1, idempotencyKey: 'k' }]), q.add('sms', [sms('+6')])];
    const outcomes = calls.map(outcome);
    await new Promise((r) => setTimeout(r, 100));
    held.commit();
    await held.done;
    await Promise.all(blockers);
    const [c1, c2, c3, c4] = await Promise.all(outcomes);
    expect(c1).toEqual([{ to: '+5', created: true }]);
    expect(c2).toEqual([{ to: '+5', created: false }]);
    expect(c3).toBe('IDEMPOTENCY_CONFLICT');
    expect(c4).toEqual([{ to: '+6', created: true }]);
    const [r1, r2] = await Promise.all([calls[0]!, calls[1]!]);
    expect(r2![0]!.task._id).toBe(r1![0]!.task._id);
    // The two held tasks came in by SQL, not notified: the mirror counts this box's two.
    expect(q.counts('sms').queued).toBe(2);
  });
});
