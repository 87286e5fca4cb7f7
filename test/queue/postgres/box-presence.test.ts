/**
 * One gateway id, one box (src/queue/postgres/box-presence.ts): a second box starting
 * under an id a running box has (a cloned SD card) is refused before it touches that
 * box's leases; the same box restarting after a crash goes on at once; a box that died
 * under another identity frees the id after the ttl; a clean stop frees it at once.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { isKatarError } from '../../../src/errors.js';
import { isOwnBuiltinWorker } from '../../../src/gateway/gateway-id.js';
import { boxIdentity, presenceClaimName } from '../../../src/queue/postgres/box-presence.js';
import { DbClock } from '../../../src/queue/postgres/db-clock.js';
import { openPgQueue } from '../../../src/queue/postgres/open-pg-queue.js';
import { Database } from '../../../src/queue/postgres/pg-pool.js';
import type { PgQueue } from '../../../src/queue/postgres/pg-queue.js';
import { PgSubscriptions } from '../../../src/queue/postgres/pg-subscriptions.js';
import { captureLogger } from '../../helpers/memory-event-log.js';
import { freshDatabase } from '../../helpers/postgres.js';
import { makeTmpDir } from '../../helpers/tmp-dir.js';

const provided = inject('postgres');
const queues = parseConfig({ queues: { sms: { leaseMs: 60_000 } } }).queues;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function database(): Promise<string> {
  const d = await freshDatabase(provided.url!);
  cleanups.push(() => d.drop());
  return d.url;
}

async function dataDir(): Promise<string> {
  const tmp = await makeTmpDir();
  cleanups.push(tmp.cleanup);
  return join(tmp.dir, 'data');
}

/** A box as `serve` opens it: its data dir, the shared database, its gateway id claimed. */
async function openBox(url: string, dir: string, gatewayId: string, ttlMs: number): Promise<{ queue: PgQueue; lines: string[] }> {
  const { logger, lines } = captureLogger();
  const queue = await openPgQueue({ dataDir: dir, url, poolSize: 2, queues, isLocalWorker: (w) => isOwnBuiltinWorker(w, gatewayId), presence: { gatewayId, ttlMs, logger } });
  cleanups.push(() => queue.close());
  return { queue, lines };
}

/** Writes a presence claim as a box with `identity` would, and leaves it to run out (that box died). */
async function claimAs(url: string, gatewayId: string, identity: string, ttlMs: number): Promise<void> {
  const db = new Database({ url, size: 1 });
  const clock = await DbClock.open(db, 0);
  try {
    expect((await new PgSubscriptions(db, clock).claim(presenceClaimName(gatewayId), identity, ttlMs)).granted).toBe(true);
  } finally {
    clock.close();
    await db.close();
  }
}

describe.skipIf(!provided.url)(`a gateway id in a fleet${provided.url ? '' : ` (skipped: ${provided.reason})`}`, () => {
  it('a second box under the id of a running one is refused, naming gatewayId, and the first box keeps its leases', async () => {
    const url = await database();
    // A ttl that box A's renewals (every third of it) keep well ahead of on a busy machine.
    const a = await openBox(url, await dataDir(), 'pi-kitchen', 3000);
    await a.queue.add('sms', [{ data: { to: '+61404341143', msg: 'in flight' }, parts: 1 }]);
    const [leased] = await a.queue.lease('sms', 'builtin:pi-kitchen:modem0', 1);
    const err = await openBox(url, await dataDir(), 'pi-kitchen', 3000).catch((e: unknown) => e);
    expect(isKatarError(err, 'GATEWAY_ID_IN_USE')).toBe(true);
    expect((err as Error).message).toMatch(/^config: gatewayId pi-kitchen is in use by another running box of the fleet \(.+\); each box needs its own/);
    expect((err as { details?: { key?: string } }).details?.key).toBe('gatewayId');
    // Refused before it ended "its own" orphaned leases: box A's send is still box A's.
    expect(await a.queue.get('sms', leased!._id)).toMatchObject({ status: 'in progress', lease: { worker: 'builtin:pi-kitchen:modem0' } });
  });

  it('the same box starting again after a crash (its claim still live) goes on at once', async () => {
    const url = await database();
    const dir = await dataDir();
    // The claim of the process that was killed: the same host, data dir and hardware, a minute left.
    await claimAs(url, 'pi-kitchen', await boxIdentity(dir), 60_000);
    const { lines } = await openBox(url, dir, 'pi-kitchen', 60_000);
    expect(lines.filter((l) => l.includes('is held by another box'))).toEqual([]);
  });

  it('a box that died under another identity (an SD card moved to a new Pi) frees the id after the ttl', async () => {
    const url = await database();
    await claimAs(url, 'pi-kitchen', 'old-pi /var/lib/katar-sms 0123456789ab', 1200);
    const { lines } = await openBox(url, await dataDir(), 'pi-kitchen', 1200);
    expect(lines.some((l) => l.includes('gateway id pi-kitchen is held by another box (old-pi /var/lib/katar-sms 0123456789ab); waiting up to 1 s'))).toBe(true);
  });

  it('a box that stops gives the id up: another box may start under it at once', async () => {
    const url = await database();
    const a = await openBox(url, await dataDir(), 'pi-kitchen', 60_000);
    await a.queue.close();
    const { lines } = await openBox(url, await dataDir(), 'pi-kitchen', 60_000);
    expect(lines.filter((l) => l.includes('is held by another box'))).toEqual([]);
  });
});
