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
  deliveryReports: 'delivered' | 'failed' | 'none';
  deliveryReportDelayMs: number;
  ownNumber: string | undefined;
  network: NetworkState;
  rssi: number;
  clock: () => Date;
  splitMax: number;
  seed: number;
  periodicUrcs: boolean;
  bootOnFirstLink: boolean;
  name: string;
}

/** The SIM card: non-volatile, survives reboots (PIN, PUK counter, SMSC). */
export interface SimCard {
  pin: string | undefined;
  puk: string;
  pinFailures: number;
  pukRequired: boolean;
  smsc: string;
  fault: 'none' | 'absent' | 'failure';
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
    clock: o.clock ?? (() => new Date()),
    splitMax: split === true ? 7 : split ? split.max : 0,
    seed: o.seed ?? 1,
    periodicUrcs: o.periodicUrcs ?? true,
    bootOnFirstLink: o.bootOnFirstLink ?? false,
    name: o.name ?? personality.name,
  };
  const quirks: SimQuirks = {
    duplicateCmti: false,
    cmtAndCmti: false,
    suppressIncomingUrc: false,
    cmtiMinusOne: false,
    cdsiWrongMemory: false,
    lowercaseHex: false,
    csmpClearsSmsc: false,
    sendFailsWhenFull: false,
    ...personality.quirks,
    ...o.quirks,
  };
  const card: SimCard = { pin: o.pin, puk: o.puk ?? '12345678', pinFailures: 0, pukRequired: false, smsc: o.smsc ?? '+31624000000', fault: 'none' };
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
