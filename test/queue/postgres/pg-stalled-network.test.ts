/**
 * The network to the database stalls without a word (nothing resets the connections; a
 * TCP proxy that stops forwarding): a statement with no answer fails as STORE_UNAVAILABLE
 * after the answer timeout instead of hanging for the kernel's quarter of an hour, the
 * queue says it cannot write, and it writes again once the network is back. A box cut
 * off inside a transaction does not hold its locks (the event counter: every box's
 * writes) past the server's idle-in-transaction timeout.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { isKatarError } from '../../../src/errors.js';
import { Database } from '../../../src/queue/postgres/pg-pool.js';
import { PgQueue } from '../../../src/queue/postgres/pg-queue.js';
import { migratedBehindProxy } from '../../helpers/pg-box.js';
import { TestClock } from '../../helpers/test-clock.js';

const provided = inject('postgres');
const queues = parseConfig({ queues: { sms: {} } }).queues;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const setup = (): ReturnType<typeof migratedBehindProxy> => migratedBehindProxy(provided.url!, cleanups);

function pool(url: string, o: { answerTimeoutMs?: number; idleInTransactionMs?: number } = {}): Database {
  const db = new Database({ url, size: 2, ...o });
  cleanups.push(() => db.close());
  return db;
}

describe.skipIf(!provided.url)(`a stalled network to the database${provided.url ? '' : ` (skipped: ${provided.reason})`}`, () => {
  it('a statement without an answer fails as STORE_UNAVAILABLE after the answer timeout; after the stall a new connection answers', async () => {
    const { viaProxy, proxy } = await setup();
    const db = pool(viaProxy, { answerTimeoutMs: 800 });
    // Both connections of the pool open, so that the stalled statements run on them.
    await Promise.all([db.query('SELECT pg_sleep(0.05)'), db.query('SELECT pg_sleep(0.05)')]);
    proxy.freeze();
    const [err, inTx] = await Promise.all([db.query('SELECT 2 AS two').catch((e: unknown) => e), db.tx((sql) => sql.query('SELECT 3')).catch((e: unknown) => e)]);
    expect(isKatarError(err, 'STORE_UNAVAILABLE')).toBe(true);
    expect((err as Error).message).toMatch(/no answer from the database in 800 ms/);
    expect(isKatarError(inTx, 'STORE_UNAVAILABLE')).toBe(true);
    proxy.thaw();
    expect(await db.query('SELECT 4 AS four')).toEqual([{ four: 4 }]);
  });

  it('a box cut off inside a transaction holds the event counter no longer than the idle-in-transaction timeout', async () => {
    const { url, viaProxy, proxy } = await setup();
    const cutOff = pool(viaProxy, { answerTimeoutMs: 60_000, idleInTransactionMs: 700 });
    const other = pool(url);
    let locked!: () => void;
    const lockTaken = new Promise<void>((r) => (locked = r));
    const stuck = cutOff
      .tx(async (sql) => {
        await sql.query('UPDATE event_counter SET last = last + 1');
        locked();
        proxy.freeze();
        await sql.query('SELECT 1'); // never reaches the server while frozen
      })
      .catch((e: unknown) => e);
    await lockTaken;
    // Waits for the cut-off box's row lock until the server ends that idle session.
    await other.query('UPDATE event_counter SET last = last + 1');
    expect((await other.query('SELECT last FROM event_counter'))[0]).toEqual({ last: 1 });
    proxy.thaw();
    expect(isKatarError(await stuck, 'STORE_UNAVAILABLE')).toBe(true);
  });

  it('the queue: a send during the stall is refused as STORE_UNAVAILABLE and the store is unwritable; it writes again after', async () => {
    const { viaProxy, proxy } = await setup();
    const db = new Database({ url: viaProxy, size: 2, answerTimeoutMs: 800 });
    const queue = await PgQueue.open({ db, queues, clock: new TestClock(), sweepIntervalMs: 0, pollMs: 0, owned: [() => db.close()] });
    cleanups.push(() => queue.close());
    const send = { data: { to: '+61404341143', msg: 'hello' }, parts: 1 };
    await queue.add('sms', [send]);
    proxy.freeze();
    const err = await queue.add('sms', [send]).catch((e: unknown) => e);
    expect(isKatarError(err, 'STORE_UNAVAILABLE')).toBe(true);
    expect(queue.health().writable).toBe(false);
    proxy.thaw();
    await queue.add('sms', [send]);
    expect(queue.health().writable).toBe(true);
    expect(queue.counts('sms').queued).toBe(2);
  });
});
