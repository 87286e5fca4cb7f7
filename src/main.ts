import { assertSafeListen, type Config } from './config.js';
import { Gateway } from './gateway/gateway.js';
import { isOwnBuiltinWorker, loadGatewayId } from './gateway/gateway-id.js';
import { buildApp, type HttpApp } from './http/app.js';
import type { Logger } from './log.js';
import { ClockWatch } from './queue/clock-watch.js';
import { applyRetention, scheduleJob, type Job } from './queue/housekeeping.js';
import { QueueService } from './queue/queue-service.js';
import { lockDataDir, type DataDirLock } from './queue/store/data-dir-lock.js';
import { FileStore } from './queue/store/file-store.js';

/** A started gateway and the way to stop it. */
export interface RunningGateway {
  gateway: Gateway;
  app: HttpApp;
  /** `http://host:port` it listens on. */
  url: string;
  /** Stops in reverse order: HTTP, workers, jobs, queue, store, lock. Safe to call twice. */
  close(): Promise<void>;
}

/** Starts extra components (the built-in modem workers) once the queue is ready. */
export type ComponentStarter = (gateway: Gateway, config: Config, logger: Logger) => Promise<{ close(): Promise<void> }>;

/**
 * The composition root: the only place that knows every concrete piece. Order of start:
 * lock the data dir, load the store, open the queue, start workers, listen.
 */
export async function startGateway(config: Config, logger: Logger, components: ComponentStarter[] = []): Promise<RunningGateway> {
  assertSafeListen(config);
  const closers: Array<() => Promise<void>> = [];
  const close = async (): Promise<void> => {
    for (const c of closers.splice(0).reverse()) {
      try {
        await c();
      } catch (err) {
        logger.error({ err }, 'error while stopping');
      }
    }
  };
  try {
    const lock: DataDirLock = await lockDataDir(config.dataDir);
    closers.push(() => lock.release());
    const storeLog = logger.child({ module: 'store' });
    const store = await FileStore.open(config.dataDir, { reserveBytes: config.store.reserveBytes, onWarning: (msg, details) => storeLog.warn(details, msg) });
    store.onStateChange((h) => {
      if (!h.writable) storeLog.error({ reason: h.reason, freeBytes: h.freeBytes }, 'the store cannot write: new sends are refused (507) until it can; nothing unacknowledged is kept');
      else if (!h.acceptingNew) storeLog.warn({ freeBytes: h.freeBytes, reserveBytes: h.reserveBytes }, 'free space is below the reserve: new sends are refused (507), outcomes and received SMS are still recorded');
      else storeLog.info({ freeBytes: h.freeBytes }, 'the store writes again: sends are accepted');
    });
    closers.push(() => store.close());
    const gatewayId = await loadGatewayId(config.dataDir, config.gatewayId);
    const queue = await QueueService.open({ store, queues: config.queues, maxLiveTasks: config.maxLiveTasks, isLocalWorker: (w) => isOwnBuiltinWorker(w, gatewayId) });
    closers.push(async () => queue.close());
    queue.on('error', (err) => logger.error({ err }, 'queue sweep failed'));
    const clockLog = logger.child({ module: 'clock' });
    const watch = await ClockWatch.open(config.dataDir, { maxSeq: () => store.maxSeq, newestData: () => newestTimestamp(store) });
    closers.push(() => watch.close());
    const doubt = watch.doubt();
    if (doubt) clockLog.warn(`${doubt}. Leases and retries do not depend on it; scheduled sends (sendAt) and time stamps do. See deploy/README.md (time synchronisation)`);
    watch.on('jump', (j) => clockLog.warn({ byMs: j.byMs }, `the system clock jumped by ${Math.round(j.byMs / 1000)} s; retention will judge older records by the time since this jump`));
    watch.start();
    const gateway = new Gateway(queue, { maxParts: config.maxParts, ...(config.defaultRegion && { defaultRegion: config.defaultRegion }) }, gatewayId);
    const jobs: Job[] = [
      scheduleJob(config.retention.schedule, async () => {
        await watch.check();
        const removed = await applyRetention(queue, config.retention, Date.now(), watch.lastJump);
        logger.info({ module: 'housekeeping', removed }, 'retention applied');
      }, (err) => logger.error({ err }, 'retention failed')),
    ];
    closers.push(async () => jobs.forEach((j) => j.stop()));
    for (const start of components) {
      const c = await start(gateway, config, logger);
      closers.push(() => c.close());
    }
    const app = await buildApp({ gateway, config, logger });
    const address = await app.listen({ host: config.host, port: config.port });
    closers.push(() => app.close());
    const url = address.replace('[::1]', 'localhost');
    logger.info({ url, gatewayId, dataDir: config.dataDir, queues: queue.queueNames, auth: config.tokens.length > 0 }, `katar-sms listening on ${url}`);
    for (const name of queue.queueNames) {
      logger.info(`queue "${name}": workers GET/POST ${url}/v1/queue/${name}, POST ${url}/v1/queue/${name}/receive; producers POST ${url}/v1/queue/${name}/send, GET ${url}/v1/queue/${name}/tasks, GET ${url}/v1/queue/${name}/inbox`);
    }
    return { gateway, app, url, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The newest wall time stamp the data holds (finished, received, or last change of a live task). */
function newestTimestamp(store: FileStore): number | undefined {
  let newest = -Infinity;
  for (const m of store.history.values()) newest = Math.max(newest, Date.parse(m.finishedAt));
  for (const m of store.inbox) newest = Math.max(newest, Date.parse(m.receivedAt));
  for (const t of store.live.values()) newest = Math.max(newest, Date.parse(t.updatedAt));
  return Number.isFinite(newest) ? newest : undefined;
}
