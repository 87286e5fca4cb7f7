import { hostname } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { assertSafeListen, isLoopback, type Config } from './config.js';
import { WebhookDispatcher } from './events/webhook-dispatcher.js';
import { gatewayParts, type GatewayParts } from './gateway/gateway-parts.js';
import { recordModemStates } from './gateway/modem-events.js';
import { isOwnBuiltinWorker, loadGatewayId } from './gateway/gateway-id.js';
import { buildApp, type HttpApp } from './http/app.js';
import { warmNumberRules, warmSendPath } from './http/warm-up.js';
import { warmQueuePath } from './gateway/warm-up-queue.js';
import { afterFullCollections, trimMemory } from './memory-trim.js';
import { DETAILS_KEY, type Logger } from './log.js';
import { ClockWatch } from './queue/clock-watch.js';
import { applyRetention, scheduleJob, type Job } from './queue/housekeeping.js';
import { openFileQueue } from './queue/open-file-queue.js';
import { packageVersion } from './package-version.js';
import { assertPortFree, isAddressInUse, portInUse } from './port-probe.js';

/** A started gateway and the way to stop it. */
export interface RunningGateway {
  parts: GatewayParts;
  app: HttpApp;
  /** `http://host:port` it listens on. */
  url: string;
  /** Stops in reverse order: HTTP, workers, jobs, queue (its storage last). Safe to call twice. */
  close(): Promise<void>;
}

/** Starts extra components (the built-in modem workers) once the queue is ready. */
export type ComponentStarter = (parts: GatewayParts, config: Config, logger: Logger) => Promise<{ close(): Promise<void> }>;

/** How to start. */
export interface StartOptions {
  /** Give back the start-up's memory before listening (memory-trim.ts): the `serve` command's choice; a process that starts many gateways (tests) has no use for it. */
  trimMemory?: boolean;
  /** Run one SMS through a scratch queue before listening (gateway/warm-up-queue.ts), so that the first send finds its code compiled: the `serve` command's choice too. */
  warmQueue?: boolean;
}

/**
 * The composition root: the only place that knows every concrete piece. Order of start:
 * check that the port is free (before anything is locked or a modem opened), open the
 * queue (the file-backed one locks the data dir and loads its store), start workers,
 * listen.
 */
export async function startGateway(config: Config, logger: Logger, components: ComponentStarter[] = [], options: StartOptions = {}): Promise<RunningGateway> {
  assertSafeListen(config);
  await assertPortFree(config.host, config.port);
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
  const startedAt = new Date();
  try {
    const gatewayId = await loadGatewayId(config.dataDir, config.gatewayId);
    const storeLog = logger.child({ module: 'store' });
    const isLocalWorker = (w: string): boolean => isOwnBuiltinWorker(w, gatewayId);
    // A fleet's shared queue (docs/FLEET.md) or this box's data directory. Loaded only when
    // configured: a gateway on the file store does not carry the pg package.
    const queue =
      config.store.kind === 'postgres'
        ? await (await import('./queue/postgres/open-pg-queue.js')).openPgQueue({ dataDir: config.dataDir, url: config.store.url, urlEnv: config.store.urlEnv, poolSize: config.store.poolSize, queues: config.queues, maxLiveTasks: config.maxLiveTasks, isLocalWorker, applicationName: `katar-sms ${gatewayId}`, presence: { gatewayId, ttlMs: config.store.presenceTtlMs, logger: storeLog } })
        : await openFileQueue({
            dataDir: config.dataDir,
            queues: config.queues,
            maxLiveTasks: config.maxLiveTasks,
            reserveBytes: config.store.reserveBytes,
            isLocalWorker,
            onWarning: (msg, details) => storeLog.warn(details, msg),
          });
    closers.push(() => queue.close());
    // What a refused send is answered while the store cannot write: a database that cannot be reached is 503, never the full disk's 507.
    const refusal = config.store.kind === 'postgres' ? '503 STORE_UNAVAILABLE' : '507 STORAGE_FULL when the disk is full, else 503 STORE_UNAVAILABLE';
    queue.onHealthChange((h) => {
      if (!h.writable) storeLog.error({ reason: h.reason, freeBytes: h.freeBytes }, `the store cannot write: new sends are refused (${refusal}) until it can; nothing unacknowledged is kept`);
      else if (!h.acceptingNew) storeLog.warn({ freeBytes: h.freeBytes, reserveBytes: h.reserveBytes }, 'free space is below the reserve: new sends are refused (507), outcomes and received SMS are still recorded');
      else storeLog.info({ freeBytes: h.freeBytes }, 'the store writes again: sends are accepted');
    });
    queue.on('error', (err) => logger.error({ err }, 'queue sweep failed'));
    // One line per received SMS and per delivery outcome, whichever path brought it (the
    // modem or a remote worker). Numbers and bodies stay out of the log: ids and lengths only.
    const eventsLog = logger.child({ module: 'events' });
    queue.on('sms', (e) => eventsLog.info({ queue: e.queue, id: e._id, source: e.source, length: e.msg.length, ...(e.incomplete && { incomplete: true }) }, 'SMS received'));
    queue.on('delivery', (t) => eventsLog.info({ queue: t.queue, task: t._id, delivery: t.delivery?.status, ...(t.delivery?.reason && { reason: t.delivery.reason }) }, `delivery report: ${t.delivery?.status ?? 'unknown'}`));
    const clockLog = logger.child({ module: 'clock' });
    const watch = await ClockWatch.open(config.dataDir, { maxSeq: () => queue.dataMarks().seq, newestData: () => queue.dataMarks().newestMs });
    closers.push(() => watch.close());
    const doubt = watch.doubt();
    if (doubt) clockLog.warn(`${doubt}. Leases and retries do not depend on it; scheduled sends (sendAt) and time stamps do. See deploy/README.md (time synchronisation)`);
    watch.on('jump', (j) => clockLog.warn({ byMs: j.byMs }, `the system clock jumped by ${Math.round(j.byMs / 1000)} s; retention will judge older records by the time since this jump`));
    watch.start();
    const routing = { modemGroups: config.modemGroups, routes: config.routes, modems: config.modems.map((m) => m.name) };
    const parts = gatewayParts(queue, { maxParts: config.maxParts, routing, ...(config.defaultRegion && { defaultRegion: config.defaultRegion }) }, gatewayId);
    const jobs: Job[] = [
      scheduleJob(config.retention.schedule, async () => {
        await watch.check();
        const policy = { ...config.retention, eventDays: config.events.retentionDays, maxEvents: config.events.maxEvents };
        const removed = await applyRetention(queue, policy, Date.now(), watch.lastJump);
        if (removed.skipped) logger.info({ module: 'housekeeping' }, 'retention skipped: another box of the fleet is running it');
        else logger.info({ module: 'housekeeping', removed }, 'retention applied');
      }, (err) => logger.error({ err }, 'retention failed')),
    ];
    closers.push(async () => jobs.forEach((j) => j.stop()));
    const detachModemStates = recordModemStates(parts.modems, queue.events, logger);
    closers.push(async () => detachModemStates());
    const webhooks = new WebhookDispatcher({ webhooks: config.webhooks, log: queue.events, progress: queue.subscriptions, holder: gatewayId, logger });
    await webhooks.start();
    closers.push(() => webhooks.stop());
    // Not awaiting the broker: the bridge connects (and reconnects) on its own.
    // Loaded only when configured: a gateway without a broker does not carry the mqtt package.
    const mqtt = config.mqtt
      ? await (await import('./mqtt/mqtt-bridge.js')).MqttBridge.start({ config: config.mqtt, gatewayId, dataDir: config.dataDir, parts, modems: config.modems.map((m) => m.name), sharedStore: config.store.kind === 'postgres', ...(dashboardUrl(config) && { dashboardUrl: dashboardUrl(config) }), logger })
      : undefined;
    if (mqtt) closers.push(() => mqtt.stop());
    for (const start of components) {
      const c = await start(parts, config, logger);
      closers.push(() => c.close());
    }
    const app = await buildApp({ parts, config, logger, webhooks, ...(mqtt && { mqtt }), dataDir: config.dataDir, system: { config, startedAt } });
    const firstQueue = queue.queueNames[0];
    if (firstQueue) await warmSendPath(app, parts.intake, config.tokens, firstQueue).catch((err: unknown) => logger.debug({ err }, 'warming the send path failed; the first send compiles it'));
    // The scratch queue is a file queue: its code is what a gateway on the file store runs.
    if (firstQueue && options.warmQueue && config.store.kind !== 'postgres') await warmQueuePath(parts.intake, firstQueue, config.queues[firstQueue]!, gatewayId, isLocalWorker).catch((err: unknown) => logger.debug({ err }, 'warming the queue path failed; the first send compiles it'));
    closers.push(() => app.close());
    if (options.trimMemory) {
      await trimMemory(logger).catch((err: unknown) => logger.debug({ err }, 'giving back the start-up memory failed; V8 does it later'));
      warmNumberRules(parts.intake);
      const stopRewarming = afterFullCollections(() => warmNumberRules(parts.intake));
      closers.push(async () => stopRewarming());
    }
    const address = await app.listen({ host: config.host, port: config.port }).catch((err: unknown) => {
      // Taken since the probe at the start.
      throw isAddressInUse(err) ? portInUse(config.host, config.port, err) : err;
    });
    const url = address.replace('[::1]', 'localhost');
    const started = startedLine(config, url);
    logger.info({ [DETAILS_KEY]: { ...started.fields, gatewayId, queues: queue.queueNames } }, started.msg);
    for (const name of queue.queueNames) {
      logger.debug(`queue "${name}": workers GET/POST ${url}/v1/queue/${name}, POST ${url}/v1/queue/${name}/receive; producers POST ${url}/v1/queue/${name}/send, GET ${url}/v1/queue/${name}/tasks, GET ${url}/v1/queue/${name}/inbox`);
    }
    return { parts, app, url, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * The one line every start logs at info: what runs, where it keeps its data, where it
 * listens, which modems, whether tokens are required, how many webhooks. It starts with
 * "katar-sms listening on <url> " (scripts and tests wait for that).
 */
function startedLine(config: Config, url: string): { msg: string; fields: Record<string, unknown> } {
  const version = packageVersion();
  const dataDir = resolvePath(config.dataDir);
  const modems = config.modems.map((m) => ({ name: m.name, device: m.path === 'sim' ? 'simulated' : m.path }));
  const tokens = config.tokens.length;
  const hooks = config.webhooks.length;
  const parts = [
    `version ${version}`,
    `data dir ${dataDir}`,
    modems.length ? `modems ${modems.map((m) => `${m.name}: ${m.device}`).join(', ')}` : 'no modems (remote workers only)',
    tokens ? `auth on (${tokens} token${tokens === 1 ? '' : 's'})` : 'auth off (no tokens)',
    `${hooks || 'no'} webhook${hooks === 1 ? '' : 's'}`,
    ...(config.mqtt ? [`MQTT ${config.mqtt.url}`] : []),
  ];
  return {
    msg: `katar-sms listening on ${url} (${parts.join('; ')})`,
    fields: { version, url, dataDir, modems, auth: tokens > 0, tokens, webhooks: hooks, ...(config.mqtt && { mqtt: config.mqtt.url }) },
  };
}

/**
 * The dashboard's address as another machine on the LAN would open it, for links (Home
 * Assistant's device page); undefined while the port is not fixed (port 0) or the gateway
 * listens on loopback only (a link to 127.0.0.1 would lead another machine nowhere).
 */
function dashboardUrl(config: Config): string | undefined {
  if (config.port === 0 || isLoopback(config.host)) return undefined;
  const host = config.host === '0.0.0.0' || config.host === '::' ? hostname() : config.host.includes(':') ? `[${config.host}]` : config.host;
  return `http://${host}:${config.port}/`;
}
