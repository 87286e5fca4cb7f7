import { isKatarError } from '../errors.js';
import { normaliseNumber, type MessageRules } from '../gateway/message-rules.js';
import { fail } from '../config/reader.js';

/** A configured recipient: `<prefix>/send/<name>` sends its plain payload to `to`. */
export interface MqttContact {
  /** A topic level (no `/ + #`), unique; also the Home Assistant notify entity. */
  name: string;
  /** E.164, normalised at start. */
  to: string;
}

/** The MQTT bridge (src/mqtt/): optional, off without the `mqtt` key. */
export interface MqttConfig {
  /** `mqtt://`, `mqtts://`, `ws://` or `wss://`, without user name or password. */
  url: string;
  username?: string;
  /** Never logged or shown. */
  password?: string;
  /** PEM file of the CA that signed the broker's certificate (mqtts://, wss://), when it is not one the system trusts. */
  caFile?: string;
  /** The session's client id; default `katar-sms-<gateway id>` (stable, so the session persists). */
  clientId?: string;
  /** MQTT 5 (default) or 3.1.1. */
  protocolVersion: 4 | 5;
  /** First level(s) of every topic of the bridge. */
  topicPrefix: string;
  /** Publish Home Assistant discovery configs. */
  discovery: boolean;
  discoveryPrefix: string;
  contacts: MqttContact[];
}

const KEYS = ['url', 'username', 'password', 'caFile', 'clientId', 'protocolVersion', 'topicPrefix', 'discovery', 'discoveryPrefix', 'contacts'];

/** Topic levels under `<prefix>/send/` that are the bridge's own, never a contact. */
const RESERVED_CONTACTS = ['result'];

const CLIENT_ID = /^[A-Za-z0-9_.-]{1,100}$/;

function optionalString(obj: Record<string, unknown>, key: string, path: string, maxLength: number): string | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > maxLength) fail(`${path}.${key}`, `must be a string of 1 to ${maxLength} characters`);
  return v;
}

/** A topic of levels without wildcards, not starting with `$` (broker topics) or `/`. */
function topicPrefix(obj: Record<string, unknown>, key: string, def: string): string {
  const v = obj[key] ?? def;
  const ok = typeof v === 'string' && v.length <= 100 && !v.startsWith('$') && v.split('/').every((level) => level.length > 0 && !/[+#\s\p{Cc}]/u.test(level));
  if (!ok) fail(`mqtt.${key}`, 'must be a topic of 1-100 characters without + # spaces, empty levels or a leading $ (e.g. "katar-sms")');
  return v as string;
}

function readContacts(raw: unknown, rules: MessageRules): MqttContact[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) fail('mqtt.contacts', 'must be an array of {name, to}');
  const seen = new Set<string>();
  return raw.map((c, i) => {
    const path = `mqtt.contacts[${i}]`;
    if (typeof c !== 'object' || c === null || Array.isArray(c)) fail(path, 'must be an object {name, to}');
    const obj = c as Record<string, unknown>;
    for (const k of Object.keys(obj)) if (k !== 'name' && k !== 'to') fail(`${path}.${k}`, 'is not a known option (known here: name, to)');
    const name = obj.name;
    if (name === undefined) fail(`${path}.name`, 'is required');
    if (typeof name !== 'string' || !/^[^/+#\s\p{Cc}](?:[^/+#\p{Cc}]{0,62}[^/+#\s\p{Cc}])?$/u.test(name)) {
      fail(`${path}.name`, 'must be 1-64 characters usable as one topic level: no / + #, no leading or trailing space');
    }
    if (RESERVED_CONTACTS.includes(name.toLowerCase())) fail(`${path}.name`, `"${name}" is reserved (${'<prefix>'}/send/result carries the results)`);
    if (seen.has(name.toLowerCase())) fail(`${path}.name`, `repeats "${name}"`);
    seen.add(name.toLowerCase());
    if (obj.to === undefined) fail(`${path}.to`, 'is required');
    try {
      return { name, to: normaliseNumber(obj.to, rules, `${path}.to`) };
    } catch (err) {
      if (isKatarError(err, 'VALIDATION')) fail(`${path}.to`, err.message.slice(`${path}.to `.length));
      throw err;
    }
  });
}

/**
 * Reads the `mqtt` key of the config (undefined: no bridge). Errors name the key; the
 * password and the URL's credentials are never echoed. `rules` normalise the contacts'
 * numbers as a send's `to` would be (defaultRegion).
 */
export function readMqttConfig(raw: unknown, rules: MessageRules): MqttConfig | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('mqtt', 'must be an object {url, ...}');
  const obj = raw as Record<string, unknown>;
  for (const k of Object.keys(obj)) if (!KEYS.includes(k)) fail(`mqtt.${k}`, `is not a known option (known here: ${KEYS.join(', ')})`);
  if (obj.url === undefined) fail('mqtt.url', 'is required (e.g. "mqtt://127.0.0.1:1883")');
  const wrongUrl = (): never => fail('mqtt.url', 'must be mqtt://, mqtts://, ws:// or wss:// followed by the broker address');
  if (typeof obj.url !== 'string') wrongUrl();
  let url: URL | undefined;
  try {
    url = new URL(obj.url as string);
  } catch {
    url = undefined;
  }
  if (!url) return wrongUrl();
  if (!['mqtt:', 'mqtts:', 'ws:', 'wss:'].includes(url.protocol) || !url.hostname) wrongUrl();
  if (url.username || url.password) fail('mqtt.url', 'must not carry a user name or password: use mqtt.username and mqtt.password');
  const cfg: MqttConfig = {
    url: obj.url as string,
    protocolVersion: 5,
    topicPrefix: topicPrefix(obj, 'topicPrefix', 'katar-sms'),
    discovery: true,
    discoveryPrefix: topicPrefix(obj, 'discoveryPrefix', 'homeassistant'),
    contacts: readContacts(obj.contacts, rules),
  };
  const username = optionalString(obj, 'username', 'mqtt', 256);
  if (username !== undefined) cfg.username = username;
  // Checked without quoting the value, whatever is wrong with it.
  const password = obj.password;
  if (password !== undefined) {
    if (typeof password !== 'string' || password.length === 0 || password.length > 1024) fail('mqtt.password', 'must be a string of 1 to 1024 characters');
    if (username === undefined) fail('mqtt.password', 'needs mqtt.username');
    cfg.password = password;
  }
  const caFile = optionalString(obj, 'caFile', 'mqtt', 4096);
  if (caFile !== undefined) {
    if (url.protocol !== 'mqtts:' && url.protocol !== 'wss:') fail('mqtt.caFile', 'is for TLS: the url must be mqtts:// or wss://');
    cfg.caFile = caFile;
  }
  if (obj.clientId !== undefined) {
    if (typeof obj.clientId !== 'string' || !CLIENT_ID.test(obj.clientId)) fail('mqtt.clientId', 'must be 1-100 of A-Z a-z 0-9 _ . -');
    cfg.clientId = obj.clientId;
  }
  if (obj.protocolVersion !== undefined) {
    if (obj.protocolVersion !== 4 && obj.protocolVersion !== 5) fail('mqtt.protocolVersion', 'must be 4 (MQTT 3.1.1) or 5 (MQTT 5)');
    cfg.protocolVersion = obj.protocolVersion;
  }
  if (obj.discovery !== undefined) {
    if (typeof obj.discovery !== 'boolean') fail('mqtt.discovery', 'must be true or false');
    cfg.discovery = obj.discovery;
  }
  return cfg;
}

/** The client id the bridge uses: the configured one, else one stable per gateway. */
export function mqttClientId(cfg: Pick<MqttConfig, 'clientId'>, gatewayId: string): string {
  return cfg.clientId ?? `katar-sms-${gatewayId}`;
}
