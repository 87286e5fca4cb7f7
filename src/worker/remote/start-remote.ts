import type { ModemDriver } from '../../modem/driver.js';
import type { ModemPortFactory } from '../../modem/port.js';
import { ModemSession } from '../../modem/session/session.js';
import type { Logger } from '../../log.js';
import { DEFAULT_INTERVAL_MS } from '../../protocol/katar-wire.js';
import { lockDataDir } from '../../queue/store/data-dir-lock.js';
import { ModemWorker } from '../modem-worker.js';
import { KatarClient } from './client.js';
import { RemoteQueue } from './remote-queue.js';
import { RemoteWorkerState } from './state.js';

/** Options of a remote worker. */
export interface RemoteWorkerOptions {
  server: string;
  token?: string;
  queue: string;
  /** Worker name (X-Katar-Worker) and modem name in logs. */
  name: string;
  /** Where the worker keeps what the server has not yet accepted. */
  dataDir: string;
  openPort: ModemPortFactory;
  drivers: ModemDriver[];
  pin?: string;
  driver?: string;
  logger: Logger;
  pollWaitMs?: number;
  backoff?: { initialMs: number; maxMs: number };
}

/** A running remote worker. */
export interface RunningRemoteWorker {
  session: ModemSession;
  worker: ModemWorker;
  remote: RemoteQueue;
  /** Stops taking work, lets the send in flight finish, keeps undelivered reports on disk. */
  close(): Promise<void>;
}

/**
 * `katar-sms worker`: the built-in worker on a local modem, attached to another
 * katar-sms over the katar HTTP worker protocol instead of an in-process queue.
 */
export async function startRemoteWorker(o: RemoteWorkerOptions): Promise<RunningRemoteWorker> {
  const lock = await lockDataDir(o.dataDir);
  try {
    const log = o.logger.child({ module: 'remote-worker', worker: o.name });
    const state = await RemoteWorkerState.open(o.dataDir);
    const client = new KatarClient({ server: o.server, queue: o.queue, workerName: o.name, ...(o.token && { token: o.token }) });
    let intervalMs = DEFAULT_INTERVAL_MS;
    try {
      intervalMs = await client.interval();
    } catch (err) {
      log.warn({ err }, 'server not reachable yet; the worker keeps trying');
    }
    const remote = new RemoteQueue({ client, state, logger: log, intervalMs, ...(o.pollWaitMs !== undefined && { pollWaitMs: o.pollWaitMs }), ...(o.backoff && { backoff: o.backoff }) });
    await remote.start();
    const session = new ModemSession({ name: o.name, openPort: o.openPort, drivers: o.drivers, statusReports: false, logger: log, ...(o.pin && { pin: o.pin }), ...(o.driver && { driver: o.driver }) });
    const worker = new ModemWorker({ name: o.name, session, source: remote, statusReports: false, logger: o.logger });
    worker.start();
    await session.start();
    log.info({ server: o.server, queue: o.queue }, `remote worker ${o.name} attached to ${o.server}`);
    return {
      session,
      worker,
      remote,
      async close() {
        await worker.stop();
        await remote.stop();
        await session.close();
        await lock.release();
      },
    };
  } catch (err) {
    await lock.release();
    throw err;
  }
}
