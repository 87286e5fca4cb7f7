import { builtinDrivers } from '../../drivers/index.js';
import { parseConfig } from '../../src/config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { gatewayParts } from '../../src/gateway/gateway-parts.js';
import { createLogger } from '../../src/log.js';
import { ModemSession } from '../../src/modem/session/session.js';
import { FileQueue } from '../../src/queue/file-queue.js';
import { FileStore } from '../../src/queue/store/file-store.js';
import { SimulatedModem } from '../../src/simulator/index.js';
import type { SimModemOptions } from '../../src/simulator/types.js';
import { ModemWorker } from '../../src/worker/modem-worker.js';
import { makeTmpDir } from './tmp-dir.js';

/** The whole gateway in-process on the simulated modem, over a real store. */
export interface ModemHarness {
  sim: SimulatedModem;
  session: ModemSession;
  worker: ModemWorker;
  gateway: Gateway<FileQueue>;
  dir: string;
  /** Resolves when the task reaches a finished status. */
  finished(id: string): Promise<string>;
  /** Stops worker and session and reopens everything on the same data dir (a restart). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** Options: simulator options, queue config, worker timing. */
export interface ModemHarnessOptions {
  sim?: SimModemOptions;
  queue?: Record<string, unknown>;
  statusReports?: boolean;
  concatTimeoutMs?: number;
  listingIntervalMs?: number;
  /** Shorter +CMGS deadline than the drivers' 60 s, for "no answer" scenarios. */
  cmgsTimeoutMs?: number;
}

/** Builds store, queue, gateway, simulator, session and worker; each scenario states only its twist. */
export async function startModemHarness(o: ModemHarnessOptions = {}): Promise<ModemHarness> {
  const tmp = await makeTmpDir();
  const config = parseConfig({ queues: { sms: { retry: { initialDelayMs: 10 }, ...o.queue } } });
  const logger = createLogger(process.env.KATAR_TEST_LOG === '1' ? 'debug' : 'silent');
  const sim = new SimulatedModem({ name: 'sim0', ...o.sim });
  const drivers = o.cmgsTimeoutMs === undefined ? builtinDrivers : builtinDrivers.map((d) => ({ ...d, quirks: { ...d.quirks, cmgsTimeoutMs: o.cmgsTimeoutMs } }));
  const h = {} as ModemHarness & { store: FileStore; queue: FileQueue };
  const open = async (): Promise<void> => {
    h.store = await FileStore.open(tmp.dir);
    h.queue = await FileQueue.open({ store: h.store, queues: config.queues, sweepIntervalMs: 0 });
    h.gateway = new Gateway(gatewayParts(h.queue, { maxParts: 10 }));
    h.session = new ModemSession({ name: 'sim0', openPort: async () => sim.link(), drivers, statusReports: o.statusReports ?? false, logger, reconnect: { initialDelayMs: 10, maxDelayMs: 100 } });
    h.worker = new ModemWorker({
      name: 'sim0',
      session: h.session,
      parts: h.gateway.parts,
      queueName: 'sms',
      statusReports: o.statusReports ?? false,
      logger,
      ...(o.concatTimeoutMs !== undefined && { concatTimeoutMs: o.concatTimeoutMs }),
      ...(o.listingIntervalMs !== undefined && { listingIntervalMs: o.listingIntervalMs }),
    });
    h.worker.start();
    await h.session.start();
  };
  const shut = async (): Promise<void> => {
    await h.worker.stop();
    await h.session.close();
    await h.queue.close();
    await h.store.close();
  };
  await open();
  h.sim = sim;
  h.dir = tmp.dir;
  h.finished = (id) =>
    new Promise<string>((resolve) => {
      const check = (t: { _id: string; status: string }): void => {
        if (t._id === id && ['done', 'failed', 'cancelled'].includes(t.status)) {
          h.gateway.off('status', check);
          resolve(t.status);
        }
      };
      h.gateway.on('status', check);
      void h.queue.get('sms', id).then((t) => check(t));
    });
  h.restart = async () => {
    await shut();
    await open();
  };
  h.close = async () => {
    await shut();
    sim.dispose();
    await tmp.cleanup();
  };
  return h;
}

/** Polls `fn` until it returns true (for effects driven by the modem's own timing). */
export async function until(fn: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
