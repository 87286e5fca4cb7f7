/**
 * A lease whose COMMIT goes unanswered (the connection to PostgreSQL dies on it): the
 * worker is told STORE_UNAVAILABLE, but the lease may have committed. Such a task is
 * given back by the next sweep, not left leased, unsent, until its lease runs out; a
 * later hand-out of the same task is left alone.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { isKatarError } from '../../../src/errors.js';
import { Database, isCommitInDoubt, unavailable, type Sql } from '../../../src/queue/postgres/pg-pool.js';
import { PgQueue } from '../../../src/queue/postgres/pg-queue.js';
import { freshDatabase } from '../../helpers/postgres.js';
import { TestClock } from '../../helpers/test-clock.js';

const provided = inject('postgres');
const queues = parseConfig({ queues: { sms: { leaseMs: 15 * 60_000 } } }).queues;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A queue whose next transaction ends as `next` says: committed or rolled back, and answered as a connection lost on COMMIT. */
async function queueWithLostCommit(): Promise<{ q: PgQueue; clock: TestClock; loseNext(how: 'committed' | 'rolled back'): void }> {
  const d = await freshDatabase(provided.url!);
  cleanups.push(() => d.drop());
  const db = new Database({ url: d.url, size: 2 });
  const real = db.tx.bind(db);
  let lose: 'committed' | 'rolled back' | undefined;
  const rollback = new Error('rolled back on purpose');
  db.tx = async <T,>(fn: (sql: Sql) => Promise<T>): Promise<T> => {
    const how = lose;
    lose = undefined;
    if (!how) return real(fn);
    const lost = unavailable(new Error('Connection terminated unexpectedly'), true);
    if (how === 'committed') await real(fn);
    else await real(async (sql) => {
      await fn(sql);
      throw rollback;
    }).catch((err: unknown) => {
      if (err !== rollback) throw err;
    });
    throw lost;
  };
  const clock = new TestClock();
  const q = await PgQueue.open({ db, queues, clock, sweepIntervalMs: 0, pollMs: 0, owned: [() => db.close()] });
  cleanups.push(() => q.close());
  return { q, clock, loseNext: (how) => void (lose = how) };
}

const oneSms = { data: { to: '+61404341143', msg: 'hello' }, parts: 1 };

describe.skipIf(!provided.url)('PostgreSQL queue: a lease whose COMMIT was not answered', () => {
  it('is given back at the next sweep when it did commit', async () => {
    const { q, clock, loseNext } = await queueWithLostCommit();
    const task = (await q.add('sms', [oneSms]))[0]!.task;
    loseNext('committed');
    const refused = await q.lease('sms', 'builtin:box-a:modem0').then(() => undefined, (err: unknown) => err);
    expect(isKatarError(refused, 'STORE_UNAVAILABLE') && isCommitInDoubt(refused)).toBe(true);
    expect((await q.get('sms', task._id)).status).toBe('in progress'); // it did commit
    clock.advance(1);
    await q.sweep();
    const back = await q.get('sms', task._id);
    expect([back.status, back.attempts.length, back.lease]).toEqual(['queued', 0, undefined]);
    const [again] = await q.lease('sms', 'builtin:box-a:modem0');
    expect(again?._id).toBe(task._id);
    expect(again?.attempts).toHaveLength(1);
  });

  it('leaves alone a later hand-out of the task when the lost one rolled back', async () => {
    const { q, clock, loseNext } = await queueWithLostCommit();
    const task = (await q.add('sms', [oneSms]))[0]!.task;
    loseNext('rolled back');
    await expect(q.lease('sms', 'builtin:box-a:modem0')).rejects.toThrow(/cannot be reached/);
    expect((await q.get('sms', task._id)).status).toBe('queued');
    clock.advance(1);
    // The same worker asks again and gets it: this hand-out is real.
    const [got] = await q.lease('sms', 'builtin:box-a:modem0');
    expect(got?._id).toBe(task._id);
    await q.sweep();
    const t = await q.get('sms', task._id);
    expect([t.status, t.lease?.worker, t.attempts.length]).toEqual(['in progress', 'builtin:box-a:modem0', 1]);
    await q.report('sms', 'builtin:box-a:modem0', [{ _id: task._id, status: 'done' }]);
    expect((await q.get('sms', task._id)).status).toBe('done');
  });
});
