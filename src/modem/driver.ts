/**
 * The shape of a modem driver: match rules, vendor URCs, extra init commands
 * and commented quirk flags. Drivers live in the top-level `drivers/` folder and import only
 * from `src/modem/`; the session receives the list and never imports a driver itself.
 */
import type { UrcSpec } from './at/urc.js';
import type { ModemIdentity } from './session/types.js';

/** A USB id pair for device discovery (zigbee-herdsman style footprint; hex, lower case). */
export interface UsbId {
  vendorId: string;
  productId: string;
  /** What the pair is, e.g. "E3372 in modem mode". */
  note?: string;
}

/**
 * Firmware defects and tuning. Every flag names the firmware and the symptom it answers
 * (docs/hardware.md#modem-families); `honoured by` says which component acts on it. Only
 * flags something reads are here: a defect the core tolerates on every modem (a `>` CRLF
 * prompt, lower-case hex, a wrong SMSC length in a status report, storage numbered from 0,
 * one message as both +CMT and +CMTI) is a comment in its driver, not a flag. A quirk the
 * simulator reproduces has the same name there (SimQuirks, Personality).
 */
export interface DriverQuirks {
  /**
   * Quectel EC25/EG25 (EC25EFAR06A10M4G, EC25EFAR06A15M4G, EC25EFAR08A04M4G, EG25-G): with
   * `<ds>=2` the report is stored in "SR" but announced as `+CDSI: "SM",<i>`, and CMGR on
   * SM returns OK or an unrelated message (asterisk-chan-quectel PR #75). Honoured by the
   * session: prefer `<ds>=1` (+CDS in the URC) and map any `+CDSI` to storage "SR".
   */
  cdsiNamesWrongStorage?: boolean;
  /**
   * Qualcomm-based devices advertise `<ds>=1` in `AT+CNMI=?` but reject it (ModemManager).
   * Honoured by the session: prefer `<ds>=2` over 1.
   */
  rejectsDirectStatusReports?: boolean;
  /**
   * Wavecom MULTIBAND 900E 1800, Sierra SL8084TR: `AT+CPIN?` answers `+CPIN: READY` with no
   * OK (gammu F_CPIN_NO_OK). Honoured by the session: the +CPIN line ends the response.
   */
  cpinWithoutOk?: boolean;
  /**
   * Huawei sticks: "a 3-second wait is necessary for SIM to become ready, or the firmware may
   * fail miserably and reboot itself" after a PIN (ModemManager huawei plugin). Honoured by
   * the session: pause this long after an accepted PIN.
   */
  afterPinDelayMs?: number;
  /**
   * Huawei E1xx/E3xx: `^RSSI` about every 10 s, `^MODE`, `^DSFLOWRPT`, lines ending `\r\r\n`
   * (gammu #111, ModemManager). Honoured by the driver's `AT^CURC=0` init command and the
   * engine's tokenizer; the flag tells the session that a `^RSSI` after init means the
   * modem lost its settings (it rebooted without RDY).
   */
  periodicUrcFlood?: boolean;
  /**
   * Messages that arrived before `AT+CNMI` was set are never announced (every modem; the
   * Huawei E-series keep them silently in ME). Honoured by the session: after init it lists
   * the receive storage once and emits `stored` for each entry.
   */
  listAfterInit?: boolean;
  /** Receive-storage preference, first allowed wins (default ME, MT, SM; docs/hardware.md#message-storage). */
  storagePreference?: string[];
  /** Deadline for `+CMGS` after Ctrl-Z (SIM800 60 s, Quectel UGxx/EC25 120 s). Default 60 000. */
  cmgsTimeoutMs?: number;
  /** Deadline for the SMS prompt. Default 10 000 (smstools3). */
  promptTimeoutMs?: number;
  /**
   * The command that ends an incoming call: `AT+CHUP` (TS 27.007, the default) or `ATH`
   * (SIM800: its manual's way to hang up a voice call). Honoured by calls.ts, which tries
   * the other one when the modem refuses the first.
   */
  hangUpCommand?: 'AT+CHUP' | 'ATH';
  /**
   * Huawei E-series, SIMCom SIM300D: USSD strings go out and come back as packed GSM
   * 7-bit in hex, whatever AT+CSCS says (gammu F_ENCODED_USSD, ModemManager huawei
   * plugin). Honoured by ussd.ts.
   */
  ussdPackedHex?: boolean;
  /**
   * The character set set with AT+CSCS before a USSD request, so that a reply in GSM
   * 7-bit comes back as text (or hex) and not as UCS-2 hex; default "GSM", '' to leave it.
   * Honoured by ussd.ts.
   */
  ussdCharset?: string;
}

/** One modem family: how to recognise it and what it needs beyond 27.005/27.007. */
export interface ModemDriver {
  /**
   * Unique name of the family, the same everywhere: the simulator personality of the family
   * has it too, and config forces the driver by it (`modems[].driver: "quectel"`).
   */
  readonly name: string;
  /** True when the `AT+CGMI` / `AT+CGMM` answers belong to this family. */
  matches(identity: ModemIdentity): boolean;
  /** USB ids for a later `ports` command (device discovery). */
  readonly usb?: readonly UsbId[];
  /** Vendor URCs recognised on top of the engine's built-in list. */
  readonly urcs?: readonly UrcSpec[];
  /** Vendor commands run after the standard init; an ERROR answer is logged, not fatal. */
  readonly initCommands?: readonly string[];
  /**
   * URC names that mean the modem restarted on firmware that prints no `RDY`
   * (e.g. Huawei `^SIMST`): the session re-initialises when one arrives.
   */
  readonly rebootUrcs?: readonly string[];
  readonly quirks: DriverQuirks;
}

/** The driver of a modem no driver claims (an empty list): no vendor extras, no quirks. */
export const FALLBACK_DRIVER: ModemDriver = { name: 'none', matches: () => true, quirks: {} };

/** Picks the driver: the one named `forced`, else the first that matches (generic last). */
export function selectDriver(drivers: readonly ModemDriver[], identity: ModemIdentity, forced?: string): ModemDriver | undefined {
  if (forced !== undefined) {
    const named = drivers.find((d) => d.name === forced);
    if (named) return named;
  }
  return drivers.find((d) => d.matches(identity));
}

/** Case-insensitive test of the manufacturer / model strings against a pattern. */
export function identityMatches(identity: ModemIdentity, manufacturer: RegExp, model?: RegExp): boolean {
  if (!manufacturer.test(identity.manufacturer)) return false;
  return model === undefined || model.test(identity.model);
}
