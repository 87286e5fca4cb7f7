import { fail } from './reader.js';

/**
 * Caps per calendar window (minute, hour, day) in `timezone`, counted in SMS parts as
 * the carrier bills them. Absent caps do not count.
 */
export interface SendLimits {
  perMinute?: number;
  perHour?: number;
  perDay?: number;
  /** IANA zone the windows are counted in (the day rolls over at its midnight). */
  timezone: string;
}

/** Sending hours: `from` (inclusive) to `to` (exclusive), local time of `timezone`; `from > to` spans midnight. */
export interface SendWindow {
  from: string;
  to: string;
  timezone: string;
}

/** How one modem paces its sends (src/worker/pacing*.ts); absent: as fast as the modem goes. */
export interface ModemSending {
  /** Least time between the starts of two sends (ms). */
  minIntervalMs: number;
  /** Up to this much random extra time on top of each interval (ms). */
  jitterMs: number;
  limits?: SendLimits;
  sendWindow?: SendWindow;
}

/** A destination prefix and the modems that send to it (same-operator pricing). */
export interface SendRoute {
  /** `+` and 1-15 digits, matched against the E.164 recipient; the longest match wins. */
  prefix: string;
  /** Modem names (groups already expanded), in config order. */
  modems: string[];
}

/** How sends are routed across the configured modems: named groups and prefix routes. */
export interface SendRouting {
  /** Group name -> its modems, on a null-prototype object (names come from the config file). */
  modemGroups: Record<string, string[]>;
  routes: SendRoute[];
}

/** The pacing keys as they stand on a modem's config (ModemConfig); absent when not set. */
export type ModemPacing = Partial<ModemSending>;

/**
 * The pacing of a parsed modem config, for the pacing gate; undefined when the modem sets
 * none of the keys (it then sends as fast as it goes).
 */
export function modemSending(m: ModemPacing): ModemSending | undefined {
  if (m.minIntervalMs === undefined && m.jitterMs === undefined && !m.limits && !m.sendWindow) return undefined;
  return { minIntervalMs: m.minIntervalMs ?? 0, jitterMs: m.jitterMs ?? 0, ...(m.limits && { limits: m.limits }), ...(m.sendWindow && { sendWindow: m.sendWindow }) };
}

/** The pacing keys of `m`, to carry over to a modem built from it (`serve --modem`). */
export function pacingKeys(m: ModemPacing | undefined): ModemPacing {
  if (!m) return {};
  return Object.fromEntries(MODEM_SENDING_KEYS.filter((k) => m[k] !== undefined).map((k) => [k, m[k]]));
}

/** The modem keys read here (beside those of config.ts). */
export const MODEM_SENDING_KEYS = ['minIntervalMs', 'jitterMs', 'limits', 'sendWindow'] as const;

const NAME = /^[\w.-]{1,32}$/;
const CLOCK_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const PREFIX = /^\+\d{1,15}$/;

function objectAt(value: unknown, key: string, shape: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(key, `must be an object ${shape}`);
  return value as Record<string, unknown>;
}

function allowOnly(obj: Record<string, unknown>, key: string, keys: readonly string[]): void {
  for (const k of Object.keys(obj)) if (!keys.includes(k)) fail(`${key}.${k}`, `is not a known option (known here: ${keys.join(', ')})`);
}

function intAt(value: unknown, key: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) fail(key, `must be an integer from ${min} to ${max}`);
  return value;
}

/** The zone this machine runs in (the default of every `timezone`). */
export function systemTimezone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** An IANA zone name Intl knows ("Europe/Berlin", "UTC"), as Intl spells it; CONFIG_INVALID otherwise. */
function timezoneAt(value: unknown, key: string, def: string): string {
  if (value === undefined) return def;
  if (typeof value !== 'string' || value.length === 0) fail(key, 'must be an IANA time zone such as "Europe/Berlin"');
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    fail(key, `"${value}" is not a time zone this system knows (IANA names such as "Europe/Berlin", "Australia/Sydney", "UTC")`);
  }
}

function readLimits(raw: unknown, key: string, defaultZone: string): SendLimits | undefined {
  if (raw === undefined) return undefined;
  const o = objectAt(raw, key, '{perMinute?, perHour?, perDay?, timezone?}');
  allowOnly(o, key, ['perMinute', 'perHour', 'perDay', 'timezone']);
  const limits: SendLimits = { timezone: timezoneAt(o.timezone, `${key}.timezone`, defaultZone) };
  for (const k of ['perMinute', 'perHour', 'perDay'] as const) if (o[k] !== undefined) limits[k] = intAt(o[k], `${key}.${k}`, 1, 1_000_000);
  if (limits.perMinute === undefined && limits.perHour === undefined && limits.perDay === undefined) fail(key, 'must set at least one of perMinute, perHour, perDay');
  const order: Array<[keyof SendLimits, number | undefined]> = [['perMinute', limits.perMinute], ['perHour', limits.perHour], ['perDay', limits.perDay]];
  // A smaller cap over a longer window is allowed (perHour 20, perMinute 5); a larger
  // cap over a shorter one could never be reached and is most likely a typo.
  for (let i = 0; i < order.length; i++) {
    for (let j = i + 1; j < order.length; j++) {
      const [shortKey, shortCap] = order[i]!;
      const [longKey, longCap] = order[j]!;
      if (shortCap !== undefined && longCap !== undefined && shortCap > longCap) fail(`${key}.${shortKey}`, `(${shortCap}) is more than ${longKey} (${longCap}); it could never be reached`);
    }
  }
  return limits;
}

function readWindow(raw: unknown, key: string): SendWindow | undefined {
  if (raw === undefined) return undefined;
  const o = objectAt(raw, key, '{from: "08:00", to: "20:00", timezone?}');
  allowOnly(o, key, ['from', 'to', 'timezone']);
  const time = (k: 'from' | 'to'): string => {
    const v = o[k];
    if (v === undefined) fail(`${key}.${k}`, 'is required ("HH:MM", 24-hour local time)');
    if (typeof v !== 'string' || !CLOCK_TIME.test(v)) fail(`${key}.${k}`, 'must be "HH:MM", 24-hour local time from "00:00" to "23:59"');
    return v;
  };
  const from = time('from');
  const to = time('to');
  if (from === to) fail(`${key}.to`, 'must differ from from (leave sendWindow out to send at any hour)');
  return { from, to, timezone: timezoneAt(o.timezone, `${key}.timezone`, systemTimezone()) };
}

/**
 * Reads the pacing keys of `modems[i]` (`path` is its config path): absent when none is
 * set, so a modem without them sends as fast as before. The caps count in the window's
 * zone unless `limits.timezone` says otherwise; both default to the system zone.
 */
export function readModemSending(raw: Record<string, unknown>, path: string): ModemSending | undefined {
  if (MODEM_SENDING_KEYS.every((k) => raw[k] === undefined)) return undefined;
  const minIntervalMs = raw.minIntervalMs === undefined ? 0 : intAt(raw.minIntervalMs, `${path}.minIntervalMs`, 0, 3_600_000);
  const jitterMs = raw.jitterMs === undefined ? Math.round(minIntervalMs * 0.2) : intAt(raw.jitterMs, `${path}.jitterMs`, 0, 3_600_000);
  const sendWindow = readWindow(raw.sendWindow, `${path}.sendWindow`);
  const limits = readLimits(raw.limits, `${path}.limits`, sendWindow?.timezone ?? systemTimezone());
  return { minIntervalMs, jitterMs, ...(limits && { limits }), ...(sendWindow && { sendWindow }) };
}

function namesAt(value: unknown, key: string, resolve: (name: string, key: string) => string[]): string[] {
  if (!Array.isArray(value) || value.length === 0) fail(key, 'must be a non-empty array of modem names');
  const out: string[] = [];
  for (const [i, n] of value.entries()) {
    if (typeof n !== 'string') fail(`${key}[${i}]`, 'must be a modem name');
    for (const m of resolve(n, `${key}[${i}]`)) if (!out.includes(m)) out.push(m);
  }
  return out;
}

/**
 * Reads `modemGroups` ({name: [modem names]}) and `routes` ([{prefix, modems}]) against
 * the configured modems: every name must be a modem (routes may name groups too), a
 * group must not share a modem's name (`via` names either), and each prefix appears once.
 */
export function readSendRouting(groupsRaw: unknown, routesRaw: unknown, modemNames: readonly string[]): SendRouting {
  const modemGroups = Object.create(null) as Record<string, string[]>;
  if (groupsRaw !== undefined) {
    const o = objectAt(groupsRaw, 'modemGroups', '{"<group name>": ["<modem name>", ...]}');
    for (const [name, members] of Object.entries(o)) {
      const key = `modemGroups.${name}`;
      if (!NAME.test(name)) fail(key, 'is not a valid group name (1-32 letters, digits, _ . -)');
      if (name in Object.prototype) fail(key, 'is a reserved name; choose another group name');
      if (modemNames.includes(name)) fail(key, `has the name of a modem; a send's "via" names either, so they must differ`);
      modemGroups[name] = namesAt(members, key, (n, k) => (modemNames.includes(n) ? [n] : fail(k, `"${n}" is not a configured modem (modems: ${modemNames.join(', ') || 'none'})`)));
    }
  }
  const list = routesRaw ?? [];
  if (!Array.isArray(list)) fail('routes', 'must be an array of {prefix: "+6140", modems: [...]}');
  const routes: SendRoute[] = [];
  for (const [i, r] of list.entries()) {
    const key = `routes[${i}]`;
    const o = objectAt(r, key, '{prefix: "+6140", modems: [...]}');
    allowOnly(o, key, ['prefix', 'modems']);
    if (typeof o.prefix !== 'string' || !PREFIX.test(o.prefix)) fail(`${key}.prefix`, 'must be "+" and 1-15 digits, the start of E.164 numbers (e.g. "+6140")');
    const prefix = o.prefix;
    if (routes.some((x) => x.prefix === prefix)) fail(`${key}.prefix`, `repeats "${prefix}"`);
    const modems = namesAt(o.modems, `${key}.modems`, (n, k) => {
      if (modemNames.includes(n)) return [n];
      const group = Object.hasOwn(modemGroups, n) ? modemGroups[n] : undefined;
      return group ?? fail(k, `"${n}" is neither a configured modem nor a group (modems: ${modemNames.join(', ') || 'none'}; groups: ${Object.keys(modemGroups).join(', ') || 'none'})`);
    });
    routes.push({ prefix, modems });
  }
  return { modemGroups, routes };
}
