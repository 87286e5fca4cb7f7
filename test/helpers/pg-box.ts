import type { Clock } from '../../src/clock.js';
import { Database } from '../../src/queue/postgres/pg-pool.js';
import { PgQueue, type PgQueueOptions } from '../../src/queue/postgres/pg-queue.js';
import type { QueueSettings } from '../../src/queue/settings.js';
import { migrate } from '../../src/queue/postgres/migrations.js';
import { freshDatabase } from './postgres.js';
import { tcpProxy, type TcpProxy } from './tcp-proxy.js';

/** What a test's box is made of, besides the database. */
export interface BoxOptions {
  queues: Record<string, QueueSettings>;
  clock: Clock;
  /** Connections of the box's own pool (default 3). */
  poolSize?: number;
  /** Other options of PgQueue.open. */
  over?: Partial<PgQueueOptions>;
}

/**
 * One box of a fleet in a test: a PgQueue over `url` with a pool of its own (closed with
 * the queue, or at once when the open fails), no sweep timer and no polling, so the test
 * drives time through its clock.
 */
export async function openBox(url: string, o: BoxOptions): Promise<PgQueue> {
  const db = new Database({ url, size: o.poolSize ?? 3 });
  try {
    return await PgQueue.open({ db, queues: o.queues, clock: o.clock, sweepIntervalMs: 0, pollMs: 0, owned: [() => db.close()], ...o.over });
  } catch (err) {
    await db.close();
    throw err;
  }
}

/** `n` boxes on a fresh database of the run's cluster; the database and the boxes are handed to `cleanups` (run in reverse). */
export async function boxesOnFreshDatabase(baseUrl: string, n: number, o: BoxOptions, cleanups: Array<() => Promise<void>>): Promise<{ url: string; boxes: PgQueue[] }> {
  const d = await freshDatabase(baseUrl);
  cleanups.push(() => d.drop());
  const boxes: PgQueue[] = [];
  for (let i = 0; i < n; i++) {
    const q = await openBox(d.url, o);
    cleanups.push(() => q.close());
    boxes.push(q);
  }
  return { url: d.url, boxes };
}

/**
 * A fresh database of the run's cluster with the schema in place, and a TCP proxy to its
 * server that the test can take down or freeze (tcp-proxy.ts): `viaProxy` is the url
 * through it, `url` the direct one. Both are handed to `cleanups`.
 */
export async function migratedBehindProxy(baseUrl: string, cleanups: Array<() => Promise<void>>): Promise<{ url: string; viaProxy: string; proxy: TcpProxy }> {
  const d = await freshDatabase(baseUrl);
  cleanups.push(() => d.drop());
  const direct = new Database({ url: d.url, size: 1 });
  try {
    await migrate(direct);
  } finally {
    await direct.close();
  }
  const u = new URL(d.url);
  const proxy = await tcpProxy(Number(u.port));
  cleanups.push(() => proxy.close());
  u.port = String(proxy.port);
  return { url: d.url, viaProxy: u.toString(), proxy };
}
