import { readFile } from 'node:fs/promises';
import { KatarError } from './errors.js';
import { GATEWAY_ID_PATTERN } from './gateway/gateway-id.js';
import { EVENT_TYPES, isEventType, type EventType } from './queue/gateway-event.js';
import type { QueueSettings } from './queue/settings.js';
import { readMqttConfig, type MqttConfig } from './mqtt/mqtt-config.js';
import { fail, Reader } from './config/reader.js';
import { readHealing, readModemLocation, type HealingConfig } from './config/modem-identity.js';
import { MODEM_EXTRAS_KEYS, readModemExtras, type BalanceCheck, type CallSettings } from './config/modem-extras.js';
import { MODEM_SENDING_KEYS, readModemSending, readSendRouting, type ModemPacing, type SendRouting } from './config/modem-sending.js';

/** Roles a bearer token can have. */
export type Role = 'producer' | 'worker' | 'admin';

/** One bearer token. */
export interface TokenConfig {
  name: string;
  token: string;
  role: Role;
}

/** One modem driven by a built-in worker; its pacing keys (src/config/modem-sending.ts) are absent when not set. */
export interface ModemConfig extends ModemPacing {
  /** Name in logs, metrics and the worker id (`builtin:<gateway id>:<name>`). */
  name: string;
  /** Serial device (e.g. /dev/ttyUSB2, /dev/katar-modem0) or `sim` for the simulated modem; absent when named by `imei`. */
  path?: string;
  /** The modem's IMEI instead of `path`: found on whichever port answers with it (src/modem/find-modem.ts). */
  imei?: string;
  /** The healing ladder for a modem that stops answering (src/config/modem-identity.ts). */
  healing: HealingConfig;
  baudRate: number;
  /** Driver family to use instead of matching (`generic`, `simcom-sim800`, `simcom-sim7600`, `quectel`, `huawei`). */
  driver?: string;
  /** SIM PIN, entered only when the SIM asks for it. */
  pin?: string;
  /** Queue this modem drains and receives into. */
  queue: string;
  /** Ask the network for status reports (delivered / not delivered). */
  statusReports: boolean;
  /** Seconds the simulated modem takes per AT+CMGS (path `sim` only). */
  simSendLatencyMs: number;
  /** Loopback port of the simulated modem's control API (path `sim` only); unset or 0: any free port. */
  simControlPort?: number;
  /** A periodic USSD balance check (src/config/modem-extras.ts); absent: none. */
  balance?: BalanceCheck;
  /** Incoming calls; absent: rejected. */
  calls?: CallSettings;
}

/** One webhook subscription: signed POSTs of the events of `events` to `url` (src/events/). */
export interface WebhookConfig {
  /** Name in logs, the admin API and the durable progress; 1-40 of a-z 0-9 - _. */
  name: string;
  /** http: or https: URL the events are POSTed to. */
  url: string;
  /** The event types sent, at least one. */
  events: EventType[];
  /** HMAC-SHA256 key of `X-Katar-Signature`; never logged or shown. */
  secret: string;
  /** One POST must have been answered within this time (ms). */
  timeoutMs: number;
  /** Attempts of one event before it becomes a dead letter... */
  maxAttempts: number;
  /** ...or this long (ms) after its first attempt, whichever comes first. */
  maxAgeMs: number;
}

/**
 * The whole configuration, validated once at start and passed down; with `modemGroups`
 * and `routes` (src/config/modem-sending.ts). A parsed config parses again to itself.
 */
export interface Config extends SendRouting {
  host: string;
  port: number;
  dataDir: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** `json` lines (journald), `pretty` readable lines, or `auto`: pretty on a terminal, JSON otherwise. */
  logFormat: 'auto' | 'pretty' | 'json';
  /** ISO 3166 region for national numbers (e.g. "AU"); without it numbers must be E.164. */
  defaultRegion?: string;
  /** Most SMS parts one message may take. */
  maxParts: number;
  /** Largest request body accepted (bytes). */
  bodyLimitBytes: number;
  /** A request's headers and body must have arrived within this time (ms), else 408 and closed. */
  requestTimeoutMs: number;
  /** Open HTTP connections at most; more are closed as they arrive (file descriptors are finite). */
  maxConnections: number;
  /** Most unsent tasks (queued, paused, in progress) over all queues; beyond it sends get 429 QUEUE_FULL. */
  maxLiveTasks: number;
  /** This installation's id in worker names (`builtin:<id>:<modem>`); default: made once and kept in the data dir. */
  gatewayId?: string;
  tokens: TokenConfig[];
  /**
   * Per window and per token (or per address without tokens): `max` messages sent and
   * `max` other producer requests; `authFailures` failed authentications per address.
   */
  rateLimit: { max: number; windowMs: number; authFailures: number };
  retention: { historyDays: number; inboxDays: number; schedule: string };
  /**
   * Where the queue lives: `file` (the data dir, default) or `postgres` (shared by a fleet, docs/FLEET.md).
   * `reserveBytes`: free space below which the file store refuses new tasks (outcomes in flight still fit).
   */
  store: { kind: 'file' | 'postgres'; reserveBytes: number; url?: string; urlEnv?: string; poolSize: number; presenceTtlMs: number };
  /**
   * Settings per queue name, on a null-prototype object: a name from a URL or a config
   * file ("constructor", "__proto__") must never find a member of Object.prototype.
   */
  queues: Record<string, QueueSettings>;
  modems: ModemConfig[];
  webhooks: WebhookConfig[];
  /** Retention of the event log: events older than `retentionDays` go, and the oldest beyond `maxEvents`. */
  events: { retentionDays: number; maxEvents: number };
  /** The MQTT bridge (src/mqtt/); absent: off. */
  mqtt?: MqttConfig;
}

const QUEUE_DEFAULTS: QueueSettings = {
  pollingIntervalMs: 30_000,
  leaseMs: 300_000,
  maxAttempts: 5,
  retry: { initialDelayMs: 30_000, factor: 2, maxDelayMs: 3_600_000 },
  resendOnUnknownOutcome: false,
};

function readQueue(r: Reader): QueueSettings {
  r.allow('pollingIntervalMs', 'leaseMs', 'maxAttempts', 'retry', 'resendOnUnknownOutcome');
  const retry = r.sub('retry');
  retry.allow('initialDelayMs', 'factor', 'maxDelayMs');
  const d = QUEUE_DEFAULTS;
  return {
    pollingIntervalMs: r.int('pollingIntervalMs', d.pollingIntervalMs, 100, 86_400_000),
    leaseMs: r.int('leaseMs', d.leaseMs, 1000, 86_400_000),
    maxAttempts: r.int('maxAttempts', d.maxAttempts, 1, 100),
    retry: {
      initialDelayMs: retry.int('initialDelayMs', d.retry.initialDelayMs, 0, 86_400_000),
      factor: retry.num('factor', d.retry.factor, 1, 10),
      maxDelayMs: retry.int('maxDelayMs', d.retry.maxDelayMs, 0, 7 * 86_400_000),
    },
    resendOnUnknownOutcome: r.bool('resendOnUnknownOutcome', d.resendOnUnknownOutcome),
  };
}

function readToken(value: unknown, path: string): TokenConfig {
  const r = Reader.of(value, path);
  r.allow('name', 'token', 'role');
  const token = r.str('token', undefined)!;
  if (token === undefined) fail(r.key('token'), 'is required');
  if (token.length < 16) fail(r.key('token'), 'must be at least 16 characters (use e.g. `openssl rand -hex 24`)');
  return { name: r.str('name', undefined, /^[\w.-]{1,64}$/, 'must be 1-64 letters, digits, _ . -') ?? fail(r.key('name'), 'is required'), token, role: r.oneOf('role', 'producer', ['producer', 'worker', 'admin'] as const) };
}

function readModem(value: unknown, path: string, index: number, queues: string[]): ModemConfig {
  const r = Reader.of(value, path);
  r.allow('name', 'path', 'baudRate', 'driver', 'pin', 'queue', 'statusReports', 'simSendLatencyMs', 'simControlPort', 'imei', 'healing', ...MODEM_SENDING_KEYS, ...MODEM_EXTRAS_KEYS);
  const m: ModemConfig = {
    name: r.str('name', `modem${index}`, /^[\w.-]{1,32}$/, 'must be 1-32 letters, digits, _ . -')!,
    ...readModemLocation(r.obj, path),
    healing: readHealing(r.obj.healing, r.key('healing')),
    baudRate: r.int('baudRate', 115200, 300, 4_000_000),
    queue: r.str('queue', 'sms')!,
    statusReports: r.bool('statusReports', true),
    simSendLatencyMs: r.int('simSendLatencyMs', 100, 0, 120_000),
  };
  const driver = r.str('driver', undefined, /^[a-z0-9-]+$/, 'must be a driver name (lower-case letters, digits and -; the names are checked against the drivers at start)');
  if (driver) m.driver = driver;
  const pin = r.str('pin', undefined, /^\d{4,8}$/, 'must be 4 to 8 digits');
  if (pin) m.pin = pin;
  if (r.obj.simControlPort !== undefined) m.simControlPort = r.int('simControlPort', 0, 0, 65535);
  if (!queues.includes(m.queue)) fail(r.key('queue'), `names no configured queue (queues: ${queues.join(', ')})`);
  Object.assign(m, readModemSending(r.obj, path));
  Object.assign(m, readModemExtras(r.obj, path));
  return m;
}

const WEBHOOK_NAME = /^[a-z0-9_-]{1,40}$/;

function readWebhook(value: unknown, path: string): WebhookConfig {
  const r = Reader.of(value, path);
  r.allow('name', 'url', 'events', 'secret', 'timeoutMs', 'maxAttempts', 'maxAgeMs');
  const name = r.str('name', undefined, WEBHOOK_NAME, 'must be 1-40 of a-z 0-9 - _') ?? fail(r.key('name'), 'is required');
  // The URL and the secret are never echoed: a query string may carry a token.
  const url = r.str('url', undefined, undefined, 'must be an http: or https: URL') ?? fail(r.key('url'), 'is required');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    fail(r.key('url'), 'must be an http: or https: URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') fail(r.key('url'), 'must be an http: or https: URL');
  if (parsed.username || parsed.password) fail(r.key('url'), 'must not carry a user name or password (receivers authenticate deliveries by their signature)');
  const events = r.obj.events;
  if (events === undefined) fail(r.key('events'), 'is required');
  if (!Array.isArray(events) || events.length === 0) fail(r.key('events'), `must be a non-empty array of event types (${EVENT_TYPES.join(', ')})`);
  for (const [i, t] of events.entries()) {
    if (typeof t !== 'string' || !isEventType(t)) fail(`${r.key('events')}[${i}]`, `must be one of ${EVENT_TYPES.join(', ')}`);
  }
  const secret = r.obj.secret;
  if (secret === undefined) fail(r.key('secret'), 'is required');
  if (typeof secret !== 'string' || secret.length < 16) fail(r.key('secret'), 'must be at least 16 characters (use e.g. `openssl rand -hex 32`)');
  if (secret.length > 1024) fail(r.key('secret'), 'must be at most 1024 characters');
  return {
    name,
    url,
    events: [...new Set(events as EventType[])],
    secret,
    timeoutMs: r.int('timeoutMs', 10_000, 100, 120_000),
    maxAttempts: r.int('maxAttempts', 12, 1, 1000),
    maxAgeMs: r.int('maxAgeMs', 86_400_000, 1000, 7 * 86_400_000),
  };
}

/** `store`: the file store (default) or a shared PostgreSQL database, with its url given or named by an environment variable. */
function readStore(st: Reader): Config['store'] {
  const kind = st.oneOf('kind', 'file', ['file', 'postgres'] as const);
  const url = st.str('url', undefined, /^postgres(ql)?:\/\//, 'must be a postgres:// url');
  const urlEnv = st.str('urlEnv', undefined, /^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the name of an environment variable');
  if (kind === 'postgres' && url === undefined && urlEnv === undefined) fail(st.key('url'), 'is required with kind "postgres" (or name the environment variable that holds it with urlEnv)');
  if (url !== undefined && urlEnv !== undefined) fail(st.key('urlEnv'), 'and url exclude each other');
  const reserveBytes = st.int('reserveBytes', 16 * 1024 * 1024, 0, 1024 ** 4);
  return { kind, reserveBytes, ...(url !== undefined && { url }), ...(urlEnv !== undefined && { urlEnv }), poolSize: st.int('poolSize', 5, 1, 100), presenceTtlMs: st.int('presenceTtlMs', 30_000, 1000, 60_000) };
}

function readWebhooks(raw: unknown): WebhookConfig[] {
  const list = raw ?? [];
  if (!Array.isArray(list)) fail('webhooks', 'must be an array of {name, url, events, secret}');
  const webhooks = list.map((w, i) => readWebhook(w, `webhooks[${i}]`));
  const names = new Set<string>();
  for (const [i, w] of webhooks.entries()) {
    if (names.has(w.name)) fail(`webhooks[${i}].name`, `repeats "${w.name}"`);
    names.add(w.name);
  }
  return webhooks;
}

/** Validates a parsed config object and fills in defaults. Throws CONFIG_INVALID naming the key. */
export function parseConfig(raw: unknown): Config {
  const r = Reader.of(raw ?? {}, '');
  r.allow('host', 'port', 'dataDir', 'logLevel', 'logFormat', 'defaultRegion', 'maxParts', 'bodyLimitBytes', 'requestTimeoutMs', 'maxConnections', 'maxLiveTasks', 'gatewayId', 'tokens', 'rateLimit', 'retention', 'store', 'queues', 'modems', 'webhooks', 'events', 'mqtt', 'modemGroups', 'routes', '$schema');
  const queuesRaw = r.obj.queues ?? { sms: {} };
  const qr = Reader.of(queuesRaw, 'queues');
  // JSON.parse keeps "__proto__" as an own key; assigning it into a plain {} would replace
  // the prototype instead. Names of Object.prototype members are refused outright, so that
  // no part of the gateway (store, metrics, JSON answers) ever meets one as a queue.
  const queues: Record<string, QueueSettings> = Object.create(null) as Record<string, QueueSettings>;
  for (const name of Object.keys(qr.obj)) {
    if (!/^[a-z0-9_-]{1,32}$/.test(name)) fail(`queues.${name}`, 'is not a valid queue name (1-32 of a-z 0-9 _ -)');
    if (name in Object.prototype) fail(`queues.${name}`, 'is a reserved name; choose another queue name');
    queues[name] = readQueue(qr.sub(name));
  }
  if (Object.keys(queues).length === 0) fail('queues', 'must name at least one queue');
  const tokensRaw = r.obj.tokens ?? [];
  if (!Array.isArray(tokensRaw)) fail('tokens', 'must be an array of {name, token, role}');
  const tokens = tokensRaw.map((t, i) => readToken(t, `tokens[${i}]`));
  const names = new Set<string>();
  for (const [i, t] of tokens.entries()) {
    if (names.has(t.name)) fail(`tokens[${i}].name`, `repeats "${t.name}"`);
    names.add(t.name);
  }
  const modemsRaw = r.obj.modems ?? [];
  if (!Array.isArray(modemsRaw)) fail('modems', 'must be an array of {name, path, baudRate, driver?, pin?}');
  const modems = modemsRaw.map((m, i) => readModem(m, `modems[${i}]`, i, Object.keys(queues)));
  const modemNames = new Set<string>();
  for (const [i, m] of modems.entries()) {
    if (modemNames.has(m.name)) fail(`modems[${i}].name`, `repeats "${m.name}"`);
    modemNames.add(m.name);
  }
  const rate = r.sub('rateLimit');
  rate.allow('max', 'windowMs', 'authFailures');
  const ret = r.sub('retention');
  ret.allow('historyDays', 'inboxDays', 'schedule');
  const st = r.sub('store');
  st.allow('kind', 'reserveBytes', 'url', 'urlEnv', 'poolSize', 'presenceTtlMs');
  const ev = r.sub('events');
  ev.allow('retentionDays', 'maxEvents');
  const cfg: Config = {
    host: r.str('host', '127.0.0.1')!,
    port: r.int('port', 3000, 0, 65535),
    dataDir: r.str('dataDir', './data')!,
    logLevel: r.oneOf('logLevel', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    logFormat: r.oneOf('logFormat', 'auto', ['auto', 'pretty', 'json'] as const),
    maxParts: r.int('maxParts', 10, 1, 255),
    bodyLimitBytes: r.int('bodyLimitBytes', 65_536, 1024, 16 * 1024 * 1024),
    requestTimeoutMs: r.int('requestTimeoutMs', 30_000, 100, 3_600_000),
    maxConnections: r.int('maxConnections', 512, 1, 65_535),
    maxLiveTasks: r.int('maxLiveTasks', 100_000, 1, 10_000_000),
    tokens,
    rateLimit: { max: rate.int('max', 600, 1, 10_000_000), windowMs: rate.int('windowMs', 60_000, 100, 86_400_000), authFailures: rate.int('authFailures', 20, 1, 10_000_000) },
    retention: {
      historyDays: ret.int('historyDays', 30, 1, 3650),
      inboxDays: ret.int('inboxDays', 30, 1, 3650),
      schedule: ret.str('schedule', '17 3 * * *', /^(\S+\s+){4,5}\S+$/, 'must be a cron expression such as "17 3 * * *"')!,
    },
    store: readStore(st),
    queues,
    modems,
    webhooks: readWebhooks(r.obj.webhooks),
    ...readSendRouting(r.obj.modemGroups, r.obj.routes, modems.map((m) => m.name)),
    events: { retentionDays: ev.int('retentionDays', 7, 1, 3650), maxEvents: ev.int('maxEvents', 100_000, 100, 10_000_000) },
  };
  const gatewayId = r.str('gatewayId', undefined, GATEWAY_ID_PATTERN, 'must be 1-40 of a-z 0-9 -, starting with a letter or digit');
  if (gatewayId) cfg.gatewayId = gatewayId;
  const region = r.str('defaultRegion', undefined, /^[A-Z]{2}$/, 'must be a two-letter region code such as "AU" or "DE"');
  if (region) cfg.defaultRegion = region;
  const mqtt = readMqttConfig(r.obj.mqtt, cfg);
  if (mqtt) cfg.mqtt = mqtt;
  return cfg;
}

/** Reads and validates a JSON config file. */
export async function loadConfigFile(path: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new KatarError('CONFIG_INVALID', `config: cannot read ${path}: ${(err as Error).message}`, { path });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new KatarError('CONFIG_INVALID', `config: ${path} is not valid JSON: ${(err as Error).message}`, { path });
  }
  return parseConfig(raw);
}

/** True when `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Refuses to listen beyond loopback without tokens (the original's "big security risk"). */
export function assertSafeListen(cfg: Config): void {
  if (!isLoopback(cfg.host) && cfg.tokens.length === 0) {
    throw new KatarError('UNSAFE_LISTEN', `refusing to listen on ${cfg.host} without tokens: anyone on the network could send SMS at your cost. Add "tokens" to the config, or listen on 127.0.0.1`, { host: cfg.host });
  }
}
