/**
 * The config keys of `modems[i]` that say which modem it is and how it is healed:
 * `path` or `imei` (exactly one), and `healing`. Read by readModem in src/config.ts.
 */
import { imeiCheckDigitOk } from '../modem/imei.js';
import { fail } from './reader.js';

/** How a configured modem is found. */
export type ModemLocation = { path: string; imei?: undefined } | { imei: string; path?: undefined };

/** The healing ladder's settings (src/modem/session/healing-ladder.ts); every field has a default. */
export interface HealingConfig {
  /** false: a silent modem is only reopened (no AT+CFUN=1,1, no USB re-bind). */
  enabled: boolean;
  /** Timeouts in a row that make the modem silent. */
  silentAfter: number;
  /** Wait after AT+CFUN=1,1 before reopening (ms). */
  rebootWaitMs: number;
  /** Step 3, where the device is USB and the service may write its `authorized` attribute. */
  usbRebind: boolean;
  /** Rest in `failed` before the ladder starts again: doubling from `failedMinMs` to `failedMaxMs`. */
  failedMinMs: number;
  failedMaxMs: number;
}

export const HEALING_DEFAULTS: HealingConfig = { enabled: true, silentAfter: 3, rebootWaitMs: 30_000, usbRebind: true, failedMinMs: 60_000, failedMaxMs: 600_000 };

type Obj = Record<string, unknown>;

/** `path` or `imei` of `modems[i]` (`prefix`), exactly one of them. */
export function readModemLocation(obj: Obj, prefix: string): ModemLocation {
  const { path, imei } = obj;
  if (path !== undefined && imei !== undefined) fail(`${prefix}.imei`, 'and path are both given: name the modem by one of them (imei finds it on whichever port it appears)');
  if (imei !== undefined) {
    const text = typeof imei === 'number' ? String(imei) : imei;
    if (typeof text !== 'string' || !/^\d{15}$/.test(text)) fail(`${prefix}.imei`, 'must be the 15 digits of the IMEI, as a string (AT+CGSN, or the label on the modem)');
    if (!imeiCheckDigitOk(text)) fail(`${prefix}.imei`, `"${text}" has a wrong check digit (the 15th): a typo?`);
    return { imei: text };
  }
  if (typeof path !== 'string' || path === '') {
    if (path === undefined) fail(`${prefix}.path`, 'is required (a serial device such as /dev/ttyUSB2, or "sim"), or name the modem by "imei"');
    fail(`${prefix}.path`, 'must be a non-empty string');
  }
  return { path };
}

/** `modems[i].healing`: true/false or an object of thresholds. */
export function readHealing(raw: unknown, key: string): HealingConfig {
  if (raw === undefined || raw === true) return { ...HEALING_DEFAULTS };
  if (raw === false) return { ...HEALING_DEFAULTS, enabled: false };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(key, 'must be true, false or an object {silentAfter, rebootWaitMs, usbRebind, failedMinMs, failedMaxMs}');
  const o = raw as Obj;
  const known = ['enabled', 'silentAfter', 'rebootWaitMs', 'usbRebind', 'failedMinMs', 'failedMaxMs'];
  for (const k of Object.keys(o)) if (!known.includes(k)) fail(`${key}.${k}`, `is not a known option (known here: ${known.join(', ')})`);
  const int = (k: keyof HealingConfig, min: number, max: number): number => {
    const v = o[k] ?? HEALING_DEFAULTS[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`${key}.${k}`, `must be an integer from ${min} to ${max}`);
    return v;
  };
  const bool = (k: 'enabled' | 'usbRebind'): boolean => {
    const v = o[k] ?? HEALING_DEFAULTS[k];
    if (typeof v !== 'boolean') fail(`${key}.${k}`, 'must be true or false');
    return v;
  };
  const h: HealingConfig = {
    enabled: bool('enabled'),
    silentAfter: int('silentAfter', 1, 20),
    rebootWaitMs: int('rebootWaitMs', 1_000, 600_000),
    usbRebind: bool('usbRebind'),
    failedMinMs: int('failedMinMs', 1_000, 86_400_000),
    failedMaxMs: int('failedMaxMs', 1_000, 86_400_000),
  };
  if (h.failedMaxMs < h.failedMinMs) fail(`${key}.failedMaxMs`, `must be at least failedMinMs (${h.failedMinMs})`);
  return h;
}
