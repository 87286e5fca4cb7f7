import { builtinDrivers } from '../../drivers/index.js';
import { parseConfig } from '../../src/config.js';
import { modemSending } from '../../src/config/modem-sending.js';
import { gatewayParts, type GatewayParts } from '../../src/gateway/gateway-parts.js';
import type { SendRequest } from '../../src/gateway/send-intake.js';
import { createLogger } from '../../src/log.js';
import { ModemSession } from '../../src/modem/session/session.js';
import { FileQueue } from '../../src/queue/file-queue.js';
import { FileStore } from '../../src/queue/store/file-store.js';
import type { Task } from '../../src/queue/task.js';
import { SimulatedModem } from '../../src/simulator/index.js';
import { ModemWorker } from '../../src/worker/modem-worker.js';
import { PacingGate } from '../../src/worker/pacing.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { join } from 'node:path';

/** Several simulated modems in one gateway, each with its own session and worker, over one real store. */
export interface MultiModemHarness {
  sims: Map<string, SimulatedModem>;
  sessions: Map<string, ModemSession>;
  workers: Map<string, ModemWorker>;
  parts: GatewayParts<FileQueue>;
  queue: FileQueue;
  /** Validates and queues one send as the HTTP API does (via, routes); its task id. */
  send(req: SendRequest): Promise<string>;
  /** Resolves with the task once it is finished. */
  finished(id: string, timeoutMs?: number): Promise<Task>;
  /** Which modem's simulator sent each text (a text sent twice shows twice). */
  sentBy(): Array<[modem: string, text: string]>;
  close(): Promise<void>;
}

/**
 * `config` is a katar config object with `modems` (path "sim", their pacing keys) and
 * routing (`modemGroups`, `routes`): it goes through parseConfig like a config file.
 */
export async function startModems(config: Record<string, unknown>, o: { sendLatencyMs?: number } = {}): Promise<MultiModemHarness> {
  const tmp = await makeTmpDir('katar-multi-');
  const cfg = parseConfig({ queues: { sms: { retry: { initialDelayMs: 10 } } }, ...config, dataDir: tmp.dir });
  const logger = createLogger(process.env.KATAR_TEST_LOG === '1' ? 'debug' : 'silent');
  const store = await FileStore.open(tmp.dir);
  const queue = await FileQueue.open({ store, queues: cfg.queues, sweepIntervalMs: 100 });
  // One `finished` listener per task awaited at once.
  queue.setMaxListeners(0);
  const parts = gatewayParts(queue, { maxParts: 10, routing: { modemGroups: cfg.modemGroups, routes: cfg.routes, modems: cfg.modems.map((m) => m.name) } });
  const h: MultiModemHarness = {
    sims: new Map(),
    sessions: new Map(),
    workers: new Map(),
    parts,
    queue,
    async send(req) {
      const [r] = await parts.intake.submit('sms', [req]);
      return r!.task._id;
    },
    finished(id, timeoutMs = 20_000) {
      return new Promise<Task>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`task ${id} did not finish in ${timeoutMs} ms`)), timeoutMs);
        const check = (t: Task): void => {
          if (t._id === id && ['done', 'failed', 'cancelled'].includes(t.status)) {
            clearTimeout(timer);
            queue.off('status', check);
            resolve(t);
          }
        };
        queue.on('status', check);
        void queue.get('sms', id).then(check);
      });
    },
    sentBy() {
      return [...h.sims].flatMap(([name, sim]) => sim.sentMessages().map((m): [string, string] => [name, m.text]));
    },
    async close() {
      for (const w of h.workers.values()) await w.stop();
      for (const s of h.sessions.values()) await s.close();
      for (const sim of h.sims.values()) sim.dispose();
      await queue.close();
      await store.close();
      await tmp.cleanup();
    },
  };
  for (const m of cfg.modems) {
    const sim = new SimulatedModem({ name: m.name, sendLatencyMs: o.sendLatencyMs ?? m.simSendLatencyMs });
    const session = new ModemSession({ name: m.name, openPort: async () => sim.link(), drivers: builtinDrivers, statusReports: false, logger, reconnect: { initialDelayMs: 10, maxDelayMs: 100 } });
    const sending = modemSending(m);
    const pacing = sending ? new PacingGate({ modem: m.name, sending, dir: join(tmp.dir, 'pacing') }) : undefined;
    await pacing?.load();
    const worker = new ModemWorker({ name: m.name, session, parts, queueName: m.queue, statusReports: false, logger, ...(pacing && { pacing }) });
    h.sims.set(m.name, sim);
    h.sessions.set(m.name, session);
    h.workers.set(m.name, worker);
    worker.start();
    await session.start();
  }
  for (const s of h.sessions.values()) await s.whenReady();
  return h;
}
