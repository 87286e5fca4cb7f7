import type { SimBehaviour, SimQuirks, SimSettings } from '../types.js';

/** Names of the built-in personalities. */
export type PersonalityName = 'generic' | 'simcom-sim800' | 'simcom-sim7600' | 'quectel' | 'huawei';

/** Header layouts of `+CMGR:` seen on real modems (docs/hardware.md#reading-and-listing-stored-messages). */
export type CmgrHeaderStyle =
  | 'standard' // +CMGR: 0,,24
  | 'empty-alpha' // +CMGR: 0,"",24 (Telit HE910)
  | 'no-alpha' // +CMGR: 0,24
  | 'no-stat' // +CMGR: ,,24 (ZTE / Qualcomm)
  | 'length-only' // +CMGR: 24 (ES75)
  | 'same-line'; // +CMGR: 1,,147 <pdu>

/** How an empty or missing slot is answered by AT+CMGR. */
export type EmptySlotStyle = 'ok' | 'cms321' | 'cmgr-0-0' | 'cme-1';

/**
 * A modem family as data (docs/hardware.md#modem-families): strings it prints, ranges it advertises, and
 * quirk flags. Behaviours read it; nothing branches on the personality's name.
 */
export interface Personality {
  name: string;
  identity: { manufacturer: string; model: string; revision: string; imei: string; ati: string[] };
  /** Spontaneous lines at power-on, before the SIM is read. */
  bootUrcs: string[];
  /**
   * The vendor command that reads the SIM's ICCID (default `+CCID`, SIM800 / u-blox):
   * Quectel `+QCCID`, Huawei `^ICCID` (read form), SIM7600 `+CICCID`.
   */
  iccidCommand?: { name: string; label: string };
  /** Whether the modem announces SIM state with `+CPIN: ...` URCs. */
  cpinUrc: boolean;
  /** `AT+CPIN?` answers `+CPIN: READY` with no OK (Wavecom MULTIBAND, Sierra SL8084; gammu F_CPIN_NO_OK). */
  cpinWithoutOk?: boolean;
  /** Lines once the SIM is ready (SIM800 `Call Ready`, `SMS Ready`). */
  simReadyUrcs: string[];
  /** Bytes of the SMS prompt; 27.005 says `\r\n> ` with nothing after the space. */
  prompt: string;
  /** Answer to an unknown command. */
  unknownCommand: 'error' | 'cme100' | 'command-not-support';
  cnmiTest: string;
  defaultCnmi: [number, number, number, number, number];
  cpmsTest: string;
  /** Two-memory modems (Wavecom) reject a third CPMS parameter. */
  cpmsParams: 2 | 3;
  defaultMemory: string;
  /** Slots per memory; SM uses the storageCapacity option when absent here. */
  capacities: Record<string, number>;
  cscsTest: string;
  indexBase: 0 | 1;
  cmgrHeader: CmgrHeaderStyle;
  emptySlot: EmptySlotStyle;
  /** Answers AT+CEREG (LTE capable). */
  lte: boolean;
  /** A line repeated every `everyMs` while AT^CURC allows it (Huawei `^RSSI`). */
  periodicUrc?: { everyMs: number; line: (rssi: number) => string };
  /** Some URCs end `\r\r\n` (Huawei; ModemManager matches `\r+\n`); every other one here. */
  doubleCrUrcs: boolean;
  /** Extra blank line after the final result (Huawei E1752). */
  trailingBlankLine: boolean;
  /** URC when receive storage is full (Huawei `^SMMEMFULL`). */
  memFullUrc?: (mem: string) => string;
  quirks: Partial<SimQuirks>;
  /** Vendor commands (e.g. `AT^CURC`, `AT+QURCCFG`), checked before the defaults. */
  behaviours: SimBehaviour[];
  /** Hook to adjust the default settings after boot. */
  adjustSettings?: (s: SimSettings) => void;
}

/** A custom personality: overrides on top of a built-in one (default `generic`). */
export type PersonalityObject = Partial<Personality> & { name: string; base?: PersonalityName };

/** Parses `(0-3),(0,1),(2)` into one allowed-number set per group; null if unparsable. */
export function parseRanges(test: string): Set<number>[] {
  const groups = test.replace(/^\+\w+:\s*/, '').match(/\(([^()]*)\)/g) ?? [];
  return groups.map((g) => {
    const set = new Set<number>();
    for (const item of g.slice(1, -1).split(',')) {
      const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(item);
      if (!m) continue;
      const lo = Number(m[1]);
      const hi = m[2] === undefined ? lo : Number(m[2]);
      for (let i = lo; i <= hi; i++) set.add(i);
    }
    return set;
  });
}

/** Parses a `+CPMS=?` answer into the memory names allowed per parameter. */
export function parseMemories(test: string): string[][] {
  const body = test.replace(/^\+CPMS:\s*/, '');
  const groups = body.includes('(') ? body.match(/\(([^()]*)\)/g) ?? [] : body.split(',');
  return groups.map((g) => [...g.matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? ''));
}
