import type { SimulatedModem } from './sim-modem.js';
import type { Personality, PersonalityName, PersonalityObject } from './personalities/personality.js';

/** Registration states the test can put the simulated network in. */
export type NetworkState = 'registered' | 'roaming' | 'searching' | 'denied' | 'none';

/** What the SIM card is doing right now (derived from card + volatile unlock state). */
export type SimStatus = 'ready' | 'pin' | 'puk' | 'busy' | 'absent' | 'failure';

/**
 * Quirks seen on real modems (docs/hardware.md#simulator-quirk-switches); each switch
 * reproduces one field failure so that a test can put it on any personality. A personality
 * sets the ones its family always shows (Quectel: `cdsiNamesWrongStorage`); options
 * override them. Where a driver honours the same defect, its flag has the same name
 * (DriverQuirks in src/modem/driver.ts); the others are tolerated for every modem.
 */
export interface SimQuirks {
  /** Announce each stored message twice (`+CMTI` repeated). */
  duplicateCmti: boolean;
  /** Route (`+CMT`) and also keep in storage and announce (`+CMTI`) the same message (Huawei E303/E3531). */
  cmtAndCmti: boolean;
  /** Keep incoming messages in storage but announce nothing, as if the URC went to another port (Quectel). */
  suppressIncomingUrc: boolean;
  /** Announce `+CMTI: ,-1` and keep nothing (SIM7000G on AT&T LTE). */
  cmtiMinusOne: boolean;
  /** Keep status reports in SR but announce `+CDSI: "SM",<i>` (Quectel EC25 PR #75). */
  cdsiNamesWrongStorage: boolean;
  /** Emit PDUs in lower-case hex (SIMCom A7608E). */
  lowercaseHex: boolean;
  /** `AT+CSMP=` wipes the stored SMSC (Qualcomm M6280 / ZTE K3565-Z). */
  csmpClearsSmsc: boolean;
  /** `AT+CMGS` fails with `+CMS ERROR: 322` while the receive storage is full. */
  sendFailsWhenFull: boolean;
}

/** Options of {@link SimulatedModem}. Every latency defaults to 0 so tests stay fast. */
export interface SimModemOptions {
  personality?: PersonalityName | PersonalityObject;
  /** Time from PDU + Ctrl-Z to `+CMGS: <mr>` / `OK`. */
  sendLatencyMs?: number;
  /** Time from `AT+CMGS=<n>` to the `> ` prompt (86 ms on a real dongle). */
  promptLatencyMs?: number;
  /** The SIM requires this PIN at power-on; undefined = no PIN. */
  pin?: string;
  /** PUK that unblocks the SIM after three wrong PINs (default `12345678`). */
  puk?: string;
  /** After a correct PIN the SIM answers `+CME ERROR: 14` for this long. */
  simBusyMs?: number;
  /** Slots in SM (and ME unless the personality says otherwise); default 30. */
  storageCapacity?: number;
  /** First storage index; default from the personality (Huawei 0, others 1). */
  indexBase?: 0 | 1;
  /** Outcome of status reports for submits with TP-SRR set, or the TP-ST to report; default 'delivered'. */
  deliveryReports?: 'delivered' | 'failed' | 'none' | number;
  /** Time from `+CMGS` to the status report: fixed, or drawn from [min, max] (seeded). Default 0. */
  deliveryReportDelayMs?: number | [number, number];
  /** Answer to `AT+CNUM`. */
  ownNumber?: string;
  /** SMSC stored on the SIM; '' = none (`+CMS ERROR: 330`). Default `+31624000000`. */
  smsc?: string;
  /** Initial network state; default 'registered'. */
  network?: NetworkState;
  /** Signal (0-31) reported while registered; default 20. */
  rssi?: number;
  clock?: () => Date;
  /** Split every output write into random chunks of 1..max bytes (exercises framing). */
  splitOutput?: boolean | { max: number };
  /** Seed of the PRNG used for chunking; same seed, same chunks. */
  seed?: number;
  /** Periodic URCs of the personality (Huawei `^RSSI`); default true. */
  periodicUrcs?: boolean;
  /** Emit the boot URCs on the very first link() too (default: modem booted long ago). */
  bootOnFirstLink?: boolean;
  quirks?: Partial<SimQuirks>;
  /** Used in the link's `path` (`sim:<name>`); also seeds the default IMSI and ICCID, unless subscriberSeed does. */
  name?: string;
  /** Seeds the default IMSI and ICCID instead of `name`: a fleet's boxes each have a modem0, each with its own SIM. */
  subscriberSeed?: string;
  /** The SIM's IMSI; '' makes AT+CIMI fail (the gateway then reads the ICCID). */
  imsi?: string;
  /** The SIM's ICCID. */
  iccid?: string;
  /** The modem's IMEI (`AT+CGSN`); default the personality's, so give each of several modems its own. */
  imei?: string;
}

/** Volatile settings; lost on reboot/replug (docs/hardware.md#start-up-and-restarts). */
export interface SimSettings {
  echo: boolean;
  cmee: 0 | 1 | 2;
  cmgf: 0 | 1;
  cscs: string;
  cpms: [string, string, string];
  cnmi: [number, number, number, number, number];
  creg: number;
  cgreg: number;
  cereg: number;
  csmp: string;
  cfun: number;
  /** Huawei `AT^CURC`: periodic URCs on/off. */
  curc: boolean;
  /** Volatile SIM unlock state. */
  simUnlocked: boolean;
  simBusy: boolean;
}

/** One AT command after splitting a line (`AT+CMEE=1;+CREG=2` gives two). */
export interface ParsedCommand {
  /** Normalised single command, e.g. `AT+CMGS=26` or `ATE0`. */
  raw: string;
  /** Upper-case name: `+CMGS`, `^CURC`, `E`, `Z`, `&F`, `I`, or '' for bare `AT`. */
  name: string;
  kind: 'exec' | 'set' | 'read' | 'test';
  /** Text after `=` (set) or after a basic command letter. */
  argText: string;
  /** argText split on commas outside quotes, quotes removed. */
  args: string[];
}

/** A final result the simulator can emit; formatted per CMEE and personality. */
export type SimError =
  | { type: 'cme'; code: number }
  | { type: 'cms'; code: number }
  | { type: 'error' }
  | { type: 'unknown-command' };

/** Body typed after the prompt and how it ended. */
export interface PromptBody {
  text: string;
  end: 'submit' | 'abort';
}

/** What a behaviour answers; built with the helpers in outcome.ts. */
export type Outcome =
  | { kind: 'final'; lines: string[]; error?: SimError }
  | { kind: 'prompt'; onBody: (body: PromptBody, ctx: SimContext) => Outcome; repromptOnCr?: boolean }
  | { kind: 'later'; ms: number; then: (ctx: SimContext) => Outcome }
  | { kind: 'silent' };

/** What a behaviour may touch. */
export interface SimContext {
  readonly modem: SimulatedModem;
  readonly personality: Personality;
  readonly settings: SimSettings;
  /** Emit a URC now (framed `\r\n<line>\r\n`). */
  urc(line: string): void;
  /** Run `fn` after `ms` unless the modem reboots first (0 = next microtask). */
  schedule(ms: number, fn: () => void): void;
}

/**
 * One small piece of modem behaviour; a test overrides or adds one. The first behaviour whose `match` is
 * true and whose `handle` returns an Outcome answers; returning undefined falls through.
 */
export interface SimBehaviour {
  name: string;
  match(cmd: ParsedCommand, ctx: SimContext): boolean;
  handle(cmd: ParsedCommand, ctx: SimContext): Outcome | undefined;
}

/** One SMS-SUBMIT the modem accepted (one part of a long message). */
export interface SentSms {
  mr: number;
  to: string;
  text: string;
  /** Hex PDU as typed (with SMSC field); undefined in text mode. */
  pdu?: string;
  encoding?: 'gsm7' | 'ucs2' | '8bit';
  concat?: { reference: number; referenceBits: 8 | 16; total: number; sequence: number };
  statusReportRequested: boolean;
  at: Date;
}

/** Parts in `sent` grouped by recipient and concatenation reference. */
export interface SentMessage {
  to: string;
  text: string;
  parts: SentSms[];
  complete: boolean;
}

/** Input of {@link SimulatedModem.injectIncoming}. */
export interface IncomingSms {
  from: string;
  text: string;
  timestamp?: Date;
  tzOffsetMinutes?: number;
  concatReference?: number;
  concat16bit?: boolean;
}
