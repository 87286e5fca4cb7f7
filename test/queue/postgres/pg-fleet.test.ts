/**
 * What only a shared queue has (docs/FLEET.md): several boxes over one
 * database, each a PgQueue with its own pool, listener and mirror. The contract suite
 * (test/queue/contract/pg-queue.contract.test.ts) covers what every queue does.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { isKatarError } from '../../../src/errors.js';
import { DbClock } from '../../../src/queue/postgres/db-clock.js';
import { MIGRATIONS, migrate } from '../../../src/queue/postgres/migrations.js';
import { Database } from '../../../src/queue/postgres/pg-pool.js';
import type { PgQueue} from '../../../src/queue/postgres/pg-queue.js';
import { type PgQueueOptions } from '../../../src/queue/postgres/pg-queue.js';
import type { Task } from '../../../src/queue/task.js';
import { openBox } from '../../helpers/pg-box.js';
import { emptyDatabase, freshDatabase } from '../../helpers/postgres.js';
import { tcpProxy } from '../../helpers/tcp-proxy.js';
import { TestClock } from '../../helpers/test-clock.js';

const provided = inject('postgres');
const queues = parseConfig({ queues: { sms: { leaseMs: 60_000, maxAttempts: 3 } } }).queues;
const sms = (to: string, key?: string) => ({ data: { to, msg: `hello ${to}` }, parts: 1, ...(key !== undefined && { idempotencyKey: key }) });

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A box: a PgQueue over `url` with a pool of its own. */
async function box(url: string, clock: TestClock, over: Partial<PgQueueOptions> = {}): Promise<PgQueue> {
  const q = await openBox(url, { queues, clock, over });
  cleanups.push(() => q.close());
  return q;
}

async function database(): Promise<string> {
  const d = await freshDatabase(provided.url!);
  cleanups.push(() => d.drop());
  return d.url;
}

async function eventually(check: () => boolean, ms = 2_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const codeOf = (p: Promise<unknown>): Promise<unknown> => p.then(() => 'resolved', (err: unknown) => (isKatarError(err) ? err.code : err));

describe.skipIf(!provided.url)(`a fleet on one PostgreSQL${provided.url ? '' : ` (skipped: ${provided.reason})`}`, () => {
  it('two boxes leasing at once never get the same task, and drain the queue', async () => {
    const url = await database();
    const clock = new TestClock();
    const [a, b] = [await box(url, clock), await box(url, clock)];
    const added = await a.add('sms', Array.from({ length: 300 }, (_, i) => sms(`+6140000${String(i).padStart(4, '0')}`)));
    const drain = async (q: PgQueue, worker: string): Promise<Task[]> => {
      const got: Task[] = [];
      for (;;) {
        const batch = await q.lease('sms', worker, 7);
        if (!batch.length) return got;
        got.push(...batch);
      }
    };
    const [fromA, fromB] = await Promise.all([drain(a, 'wa'), drain(b, 'wb')]);
    const all = [...fromA, ...fromB].map((t) => t._id);
    expect(new Set(all).size).toBe(all.length);
    expect(new Set(all)).toEqual(new Set(added.map((x) => x.task._id)));
    expect(fromA.length > 0 && fromB.length > 0).toBe(true);
  });

  it('a send added on one box wakes a worker waiting on the other', async () => {
    const url = await database();
    const clock = new TestClock();
    const [a, b] = [await box(url, clock), await box(url, clock)];
    const waiting = b.waitForWork('sms', 10_000).then(() => performance.now());
    await new Promise((r) => setTimeout(r, 50));
    const added = performance.now();
    await a.add('sms', [sms('+61400000001')]);
    const woke = await waiting;
    // Milliseconds on an idle machine (docs/FLEET.md); asserted loosely for a shared CI machine.
    expect(woke - added).toBeLessThan(500);
    expect(b.nextPriority('sms')).toBe(0);
    expect((await b.lease('sms', 'wb', 1)).length).toBe(1);
  });

  it('a report from the box whose lease passed to another is refused with LEASE_LOST', async () => {
    const url = await database();
    const clock = new TestClock();
    const [a, b] = [await box(url, clock), await box(url, clock)];
    const task = (await a.add('sms', [sms('+61400000001')]))[0]!.task;
    await a.lease('sms', 'builtin:a:m0', 1);
    clock.advance(60_000);
    expect((await b.lease('sms', 'builtin:b:m0', 1)).map((t) => t._id)).toEqual([task._id]);
    expect(await codeOf(a.report('sms', 'builtin:a:m0', [{ _id: task._id, status: 'done' }]))).toBe('LEASE_LOST');
    await b.report('sms', 'builtin:b:m0', [{ _id: task._id, status: 'done' }]);
    expect((await a.get('sms', task._id)).status).toBe('done');
  });

  it('counts follow the other boxes', async () => {
    const url = await database();
    const clock = new TestClock();
    const [a, b] = [await box(url, clock), await box(url, clock)];
    const task = (await a.add('sms', [sms('+61400000001')]))[0]!.task;
    await eventually(() => b.counts('sms').queued === 1);
    await a.lease('sms', 'w', 1);
    await a.report('sms', 'w', [{ _id: task._id, status: 'done' }]);
    await eventually(() => b.counts('sms').done === 1 && b.counts('sms').queued === 0 && b.counts('sms')['in progress'] === 0);
  });

  it('an idempotency key taken by two boxes at once yields one task', async () => {
    const url = await database();
    const clock = new TestClock();
    const [a, b] = [await box(url, clock), await box(url, clock)];
    const [[ra], [rb]] = await Promise.all([a.add('sms', [sms('+61400000001', 'k')]), b.add('sms', [sms('+61400000001', 'k')])]);
    expect(ra!.task._id).toBe(rb!.task._id);
    expect([ra!.created, rb!.created].filter(Boolean)).toHaveLength(1);
  });

  it('adds committed together keep their own all-or-nothing: a refused one alone fails', async () => {
    const url = await database();
    const q = await box(url, new TestClock(), { maxLiveTasks: 4 });
    await q.add('sms', [sms('+1', 'k')]);
    const calls = [q.add('sms', [sms('+2')]), q.add('sms', [sms('+9', 'k')]), q.add('sms', [sms('+3'), sms('+4')]), q.add('sms', [sms('+5')])];
    expect(await Promise.all(calls.map(codeOf))).toEqual(['resolved', 'IDEMPOTENCY_CONFLICT', 'resolved', 'QUEUE_FULL']);
    expect((await q.listTasks('sms', { limit: 10 })).items.map((t) => t.data.to)).toEqual(['+1', '+2', '+3', '+4']);
    expect(q.counts('sms').queued).toBe(4);
    expect((await q.events.read(0, { limit: 10 })).events.map((e) => e.id)).toEqual([1, 2, 3, 4]);
  });

  it('a restart ends only its own box built-in leases', async () => {
    const url = await database();
    const clock = new TestClock();
    const mine = (w: string) => w.startsWith('builtin:a:');
    const a = await box(url, clock, { isLocalWorker: mine });
    const b = await box(url, clock, { isLocalWorker: (w) => w.startsWith('builtin:b:') });
    const [t1, t2] = (await a.add('sms', [sms('+1'), sms('+2')])).map((x) => x.task);
    await a.lease('sms', 'builtin:a:m0', 1);
    await b.lease('sms', 'builtin:b:m0', 1);
    await a.close();
    await box(url, clock, { isLocalWorker: mine });
    expect((await b.get('sms', t1!._id)).status).toBe('queued');
    expect((await b.get('sms', t2!._id)).lease?.worker).toBe('builtin:b:m0');
  });

  it('three boxes migrating one empty database at once apply each migration once', async () => {
    const d = await emptyDatabase(provided.url!);
    cleanups.push(() => d.drop());
    const dbs = [0, 1, 2].map(() => new Database({ url: d.url, size: 1 }));
    cleanups.push(async () => void (await Promise.all(dbs.map((db) => db.close()))));
    const applied = await Promise.all(dbs.map((db) => migrate(db)));
    expect(applied.flat().sort()).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(await migrate(dbs[0]!)).toEqual([]);
    const rows = await dbs[0]!.query('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('a database that goes away is STORE_UNAVAILABLE, and the queue resumes when it is back', async () => {
    const url = new URL(await database());
    const proxy = await tcpProxy(Number(url.port));
    cleanups.push(() => proxy.close());
    url.port = String(proxy.port);
    const clock = new TestClock();
    const q = await box(url.toString(), clock);
    await q.add('sms', [sms('+1')]);
    const health: boolean[] = [];
    q.onHealthChange((h) => health.push(h.writable));
    await proxy.down();
    expect(await codeOf(q.add('sms', [sms('+2')]))).toBe('STORE_UNAVAILABLE');
    expect(q.health()).toMatchObject({ writable: false, acceptingNew: false });
    await proxy.up();
    await q.add('sms', [sms('+3')]);
    expect(q.health().writable).toBe(true);
    expect(health).toEqual([false, true]);
    expect((await q.listTasks('sms', { limit: 10 })).items.map((t) => t.data.to)).toEqual(['+1', '+3']);
  });

  it('the database clock: wall time of the server, a tick line that never goes back', async () => {
    const url = await database();
    const db = new Database({ url, size: 1 });
    cleanups.push(() => db.close());
    const clock = await DbClock.open(db, 0);
    expect(Math.abs(clock.wall() - Date.now())).toBeLessThan(1_000);
    const t1 = clock.mono();
    await clock.sample();
    expect(clock.mono()).toBeGreaterThanOrEqual(t1);
    clock.close();
  });
});
