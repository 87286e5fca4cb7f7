import { fail } from './reader.js';

/**
 * A periodic USSD balance check of one modem (src/worker/balance-check.ts), kept in the
 * form the config file has, so that a parsed config parses again (serve overlays flags).
 */
export interface BalanceCheck {
  /** The USSD code, e.g. `*100#`. */
  code: string;
  /** A duration (`"6h"`; balanceSchedule() reads it) or a cron expression (`"0 *\/6 * * *"`, checked by node-cron at start). */
  every: string;
  /** A regular expression whose first capture group is the amount. */
  pattern: string;
}

/** What to do with incoming calls. */
export interface CallSettings {
  /** Hang up at once (the default), so that the call does not hold SMS back. */
  reject: boolean;
}

/** The modem keys read here (beside those of config.ts). */
export const MODEM_EXTRAS_KEYS = ['balance', 'calls'] as const;

/** The first number of the answer, `12.34` or `12,34`, when no pattern is configured. */
export const DEFAULT_BALANCE_PATTERN = '(-?\\d+(?:[.,]\\d+)?)';

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const MIN_EVERY_MS = 10_000;

function objectAt(value: unknown, key: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(key, 'must be an object');
  return value as Record<string, unknown>;
}

function allow(obj: Record<string, unknown>, key: string, keys: string[]): void {
  for (const k of Object.keys(obj)) if (!keys.includes(k)) fail(`${key}.${k}`, `is not a known option (known here: ${keys.join(', ')})`);
}

/** `"90s"`, `"15m"`, `"6h"`, `"1d"` → ms; undefined for anything else. */
export function parseEvery(text: string): number | undefined {
  const m = /^(\d+)\s*([smhd])$/.exec(text.trim());
  return m ? Number(m[1]) * UNITS[m[2]!]! : undefined;
}

function readBalance(value: unknown, key: string): BalanceCheck {
  const o = objectAt(value, key);
  allow(o, key, ['code', 'every', 'pattern']);
  const code = o.code;
  if (typeof code !== 'string' || !/^[0-9*#+]{1,182}$/.test(code)) fail(`${key}.code`, 'must be a USSD code such as "*100#" (1 to 182 of 0-9 * # +)');
  const every = o.every ?? '6h';
  const schedule = typeof every === 'string' ? balanceSchedule(every) : undefined;
  if (!schedule) fail(`${key}.every`, 'must be a duration such as "6h" (s, m, h, d) or a cron expression such as "0 */6 * * *"');
  if (schedule.everyMs !== undefined && schedule.everyMs < MIN_EVERY_MS) fail(`${key}.every`, 'must be at least 10s');
  const pattern = o.pattern ?? DEFAULT_BALANCE_PATTERN;
  if (typeof pattern !== 'string' || pattern === '') fail(`${key}.pattern`, 'must be a regular expression with one capture group for the amount');
  try {
    new RegExp(pattern);
  } catch {
    fail(`${key}.pattern`, 'is not a valid regular expression');
  }
  // Groups of an expression: matching it or nothing against '' yields one slot per group.
  const groups = (new RegExp(`${pattern}|`).exec('')?.length ?? 1) - 1;
  if (groups < 1) fail(`${key}.pattern`, 'must have a capture group for the amount, such as "Balance: (\\d+\\.\\d+)"');
  return { code, every: (every as string).trim(), pattern };
}

/** `"6h"` → every 6 h in ms; `"0 *\/6 * * *"` → that cron expression; undefined for anything else. */
export function balanceSchedule(every: string): { everyMs: number; cron?: undefined } | { cron: string; everyMs?: undefined } | undefined {
  const ms = parseEvery(every);
  if (ms !== undefined) return { everyMs: ms };
  return /^(\S+\s+){4,5}\S+$/.test(every.trim()) ? { cron: every.trim() } : undefined;
}

function readCalls(value: unknown, key: string): CallSettings {
  const o = objectAt(value, key);
  allow(o, key, ['reject']);
  if (o.reject !== undefined && typeof o.reject !== 'boolean') fail(`${key}.reject`, 'must be true or false');
  return { reject: o.reject !== false };
}

/** `modems[i].balance` and `modems[i].calls` of one modem object; each absent when not configured. */
export function readModemExtras(modem: Record<string, unknown>, path: string): { balance?: BalanceCheck; calls?: CallSettings } {
  const out: { balance?: BalanceCheck; calls?: CallSettings } = {};
  if (modem.balance !== undefined) out.balance = readBalance(modem.balance, `${path}.balance`);
  if (modem.calls !== undefined) out.calls = readCalls(modem.calls, `${path}.calls`);
  return out;
}
