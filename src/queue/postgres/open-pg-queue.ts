import { KatarError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { QueueSettings } from '../settings.js';
import { lockDataDir } from '../store/data-dir-lock.js';
import { BoxPresence, boxIdentity } from './box-presence.js';
import { DbClock } from './db-clock.js';
import { migrate } from './migrations.js';
import { Database } from './pg-pool.js';
import { PgQueue } from './pg-queue.js';
import { PgSubscriptions } from './pg-subscriptions.js';

/** Where and how a gateway of a fleet reaches the shared queue (config `store`). */
export interface PgQueueConfig {
  /** This box's data directory: locked (one process per directory), as with the file store. */
  dataDir: string;
  /** The database url, or the name of the environment variable that holds it (`urlEnv`). */
  url?: string;
  urlEnv?: string;
  poolSize: number;
  queues: Record<string, QueueSettings>;
  maxLiveTasks?: number;
  /** This box's built-in workers (`builtin:<gateway id>:<modem>`). */
  isLocalWorker: (worker: string) => boolean;
  /** Shown in pg_stat_activity: which box a connection belongs to. */
  applicationName?: string;
  /** This box's gateway id, made its own in the fleet before its leases are touched (box-presence.ts). */
  presence?: { gatewayId: string; ttlMs: number; logger: Logger };
}

/** The url the config names, read from the environment when it names a variable. */
export function storeUrl(c: Pick<PgQueueConfig, 'url' | 'urlEnv'>): string {
  const url = c.urlEnv !== undefined ? process.env[c.urlEnv] : c.url;
  if (!url) {
    throw new KatarError('CONFIG_INVALID', c.urlEnv !== undefined ? `config: store.urlEnv names ${c.urlEnv}, which is not set in the environment` : 'config: store.kind "postgres" needs store.url or store.urlEnv', { key: c.urlEnv !== undefined ? 'store.urlEnv' : 'store.url' });
  }
  return url;
}

/**
 * Opens the fleet's shared queue: locks this box's data dir, connects, brings the schema
 * up to date (migrations.ts: safe when several boxes start at once), samples the
 * database's clock, claims the gateway id (no other running box may have it: opening the
 * queue ends this id's orphaned leases) and opens the queue, which owns all of it: its
 * `close` closes the queue, gives the id up, closes the clock and the pool, then releases
 * the lock.
 */
export async function openPgQueue(c: PgQueueConfig): Promise<PgQueue> {
  const url = storeUrl(c);
  const lock = await lockDataDir(c.dataDir);
  const db = new Database({ url, size: c.poolSize, ...(c.applicationName !== undefined && { applicationName: c.applicationName }) });
  let clock: DbClock | undefined;
  let presence: BoxPresence | undefined;
  try {
    await migrate(db);
    clock = await DbClock.open(db);
    const opened = clock;
    if (c.presence) presence = await BoxPresence.take({ ...c.presence, progress: new PgSubscriptions(db, clock), identity: await boxIdentity(c.dataDir) });
    const held = presence;
    return await PgQueue.open({
      db,
      queues: c.queues,
      clock,
      isLocalWorker: c.isLocalWorker,
      ...(c.maxLiveTasks !== undefined && { maxLiveTasks: c.maxLiveTasks }),
      owned: [async () => held?.release(), async () => opened.close(), () => db.close(), () => lock.release()],
    });
  } catch (err) {
    await presence?.release();
    clock?.close();
    await db.close();
    await lock.release();
    throw err;
  }
}
