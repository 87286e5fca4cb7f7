import { resolvePersonality } from './personalities/index.js';
import type { Personality } from './personalities/personality.js';
import type { NetworkState, SimModemOptions, SimQuirks, SimSettings } from './types.js';

/** Options with every default applied. */
export interface ResolvedOptions {
  sendLatencyMs: number;
  promptLatencyMs: number;
  simBusyMs: number;
  storageCapacity: number;
  indexBase: 0 | 1;
  deliveryReports: 'delivered' | 'failed' | 'none' | number;
  deliveryReportDelayMs: number | [number, number];
  ownNumber: string | undefined;
  network: NetworkState;
  rssi: number;
  clock: () => Date;
  splitMax: number;
  seed: number;
  periodicUrcs: boolean;
  bootOnFirstLink: boolean;
  name: string;
  /** What `AT+CGSN` answers. */
  imei: string;
}

/** The SIM card: non-volatile, survives reboots (PIN, PUK counter, SMSC). */
export interface SimCard {
  pin: string | undefined;
  puk: string;
  pinFailures: number;
  pukRequired: boolean;
  smsc: string;
  fault: 'none' | 'absent' | 'failure';
  /** IMSI (`AT+CIMI`); '' makes the modem refuse AT+CIMI. */
  imsi: string;
  /** ICCID (`AT+CCID` or the personality's variant). */
  iccid: string;
}

/** Applies defaults to the options and resolves the personality and quirks. */
export function resolveOptions(o: SimModemOptions): { options: ResolvedOptions; personality: Personality; quirks: SimQuirks; card: SimCard } {
  const personality = resolvePersonality(o.personality);
  const split = o.splitOutput;
  const options: ResolvedOptions = {
    sendLatencyMs: o.sendLatencyMs ?? 0,
    promptLatencyMs: o.promptLatencyMs ?? 0,
    simBusyMs: o.simBusyMs ?? 0,
    storageCapacity: o.storageCapacity ?? 30,
    indexBase: o.indexBase ?? personality.indexBase,
    deliveryReports: o.deliveryReports ?? 'delivered',
    deliveryReportDelayMs: o.deliveryReportDelayMs ?? 0,
    ownNumber: o.ownNumber,
    network: o.network ?? 'registered',
    rssi: o.rssi ?? 20,
    clock: o.clock ?? serviceCentreNow,
    splitMax: split === true ? 7 : split ? split.max : 0,
    seed: o.seed ?? 1,
    periodicUrcs: o.periodicUrcs ?? true,
    bootOnFirstLink: o.bootOnFirstLink ?? false,
    name: o.name ?? personality.name,
    imei: o.imei ?? personality.identity.imei,
  };
  const quirks: SimQuirks = {
    duplicateCmti: false,
    cmtAndCmti: false,
    suppressIncomingUrc: false,
    cmtiMinusOne: false,
    cdsiNamesWrongStorage: false,
    lowercaseHex: false,
    csmpClearsSmsc: false,
    sendFailsWhenFull: false,
    ...personality.quirks,
    ...o.quirks,
  };
  const card: SimCard = { pin: o.pin, puk: o.puk ?? '12345678', pinFailures: 0, pukRequired: false, smsc: o.smsc ?? '+31624000000', fault: 'none', ...subscriberOf(o) };
  return { options, personality, quirks, card };
}

/** Power-on settings of a personality (what ATZ/AT&F and a reboot restore). */
export function defaultSettings(p: Personality): SimSettings {
  const s: SimSettings = {
    echo: true,
    cmee: 0,
    cmgf: 0,
    cscs: 'IRA',
    cpms: [p.defaultMemory, p.defaultMemory, p.defaultMemory],
    cnmi: [...p.defaultCnmi],
    creg: 0,
    cgreg: 0,
    cereg: 0,
    csmp: '17,167,0,0',
    cfun: 1,
    curc: true,
    simUnlocked: false,
    simBusy: false,
  };
  p.adjustSettings?.(s);
  return s;
}

/** Earliest and latest instants a TS 23.040 time stamp (two-digit year) can carry. */
const SCTS_FIRST = Date.UTC(1990, 0, 2);
const SCTS_LAST = Date.UTC(2089, 11, 30);

/**
 * The simulated service centre's clock. A real SMSC keeps network time whatever the
 * Pi's clock says; the simulator borrows the host clock, which on a Pi without RTC may
 * read 1970. Its time stamps are kept within what the PDU can encode instead of failing.
 */
export function serviceCentreNow(): Date {
  return new Date(Math.min(Math.max(Date.now(), SCTS_FIRST), SCTS_LAST));
}

/**
 * The SIM's IMSI and ICCID: as given, else derived from the modem's name (or the seed
 * given instead), so that two simulated modems of one gateway carry different SIMs and
 * the same name the same SIM.
 * MCC 001 / MNC 01 is the test network of ITU-T E.212; ICCID prefix 89 is telecom.
 */
function subscriberOf(o: SimModemOptions): { imsi: string; iccid: string } {
  const digits = String(textSeed(o.subscriberSeed ?? o.name ?? 'sim')).padStart(10, '0').slice(-10);
  return { imsi: o.imsi ?? `00101${digits}`, iccid: o.iccid ?? `890010100${digits}F` };
}

/** A number made from a text (FNV-1a, 32 bits): the same on every start, different for different texts. */
export function textSeed(text: string): number {
  let h = 2166136261;
  for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h;
}
