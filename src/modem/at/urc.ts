/**
 * Unsolicited result codes: the registry of lines a modem emits on its own (new message,
 * registration change, boot...) and a dispatcher that hands them to subscribers.
 * Sources: docs/hardware.md#unsolicited-result-codes and #start-up-and-restarts (gammu,
 * ModemManager, vendor manuals).
 */

/** One unsolicited result as delivered to subscribers. */
export interface Urc {
  /** Canonical name: the prefix without colon (`+CMTI`, `^RSSI`) or the whole line (`RDY`). */
  name: string;
  /** The line as received (trimmed). */
  line: string;
  /** Text after `NAME:` (trimmed); '' for whole-line codes. */
  args: string;
  /** The second line of a two-line URC (`+CMT`, `+CDS`, `+CBM`): the PDU or text body. */
  pdu?: string;
  /** The modem has (re)started: settings such as echo, CMGF and CNMI must be re-applied. */
  boot: boolean;
  /** The modem announces it is powering down; whatever was in flight is lost. */
  powerDown?: boolean;
}

/** How a URC is recognised and what it means. */
export interface UrcSpec {
  /** Canonical name; also the text matched (see `match`). */
  name: string;
  /**
   * `prefix`: line starts with `NAME:` (spaces allowed around the colon);
   * `exact`: line equals NAME; `starts`: line starts with NAME (name = whole line).
   */
  match: 'prefix' | 'exact' | 'starts';
  /** Decides from the header's args whether the next line is the URC's body. */
  twoLine?: (args: string) => boolean;
  /**
   * A quoted argument may hold line breaks, which the modem prints as they are (a USSD
   * menu: `+CUSD: 1,"1 Balance` / `2 Data",15`): lines are joined until the quotes close.
   */
  quotedMultiLine?: boolean;
  boot?: boolean;
  powerDown?: boolean;
  /** Call-progress text that is a final result while dialling (`NO CARRIER`). */
  callProgress?: boolean;
}

/** PDU-mode header: `+CMT: [<alpha>],<length>` / `+CDS: <length>` / `+CBM: <length>`. */
export function isPduModeHeader(args: string): boolean {
  return /^\d+$/.test(args) || /^("[^"]*"|[^,"]*),\s*\d+$/.test(args);
}

const always = (): boolean => true;

const prefix = (name: string, extra: Partial<UrcSpec> = {}): UrcSpec => ({ name, match: 'prefix', ...extra });
const exact = (name: string, extra: Partial<UrcSpec> = {}): UrcSpec => ({ name, match: 'exact', ...extra });

/** The URCs every modem family may send (extend per driver with `UrcRegistry.add`). */
export const DEFAULT_URCS: readonly UrcSpec[] = [
  // Messages (TS 27.005 §3.4.1). +CMT/+CBM have a body line in both modes; +CDS only in PDU
  // mode (text-mode +CDS carries its fields on one line).
  prefix('+CMTI'),
  prefix('+CDSI'),
  prefix('+CMT', { twoLine: always }),
  prefix('+CDS', { twoLine: isPduModeHeader }),
  prefix('+CBM', { twoLine: always }),
  // Calls, registration, USSD, time.
  exact('RING'),
  prefix('+CRING'),
  prefix('+CLIP'),
  prefix('+CCWA'),
  prefix('+COLP'),
  exact('NO CARRIER', { callProgress: true }),
  exact('NO ANSWER', { callProgress: true }),
  prefix('+CREG'),
  prefix('+CGREG'),
  prefix('+CEREG'),
  prefix('+C5GREG'),
  prefix('+CUSD', { quotedMultiLine: true }),
  prefix('+CTZV'),
  prefix('+CTZE'),
  prefix('+NITZ'),
  prefix('+CIEV'),
  // SIM / functionality: also responses to AT+CPIN? / AT+CFUN?, which claim them.
  prefix('+CPIN'),
  prefix('+CFUN'),
  // Huawei: ^RSSI every ~10 s, ^BOOT is a periodic keep-alive despite its name (gammu #111).
  prefix('^RSSI'),
  prefix('^HCSQ'),
  prefix('^RSSILVL'),
  prefix('^HRSSILVL'),
  prefix('^MODE'),
  prefix('^BOOT'),
  prefix('^DSFLOWRPT'),
  prefix('^SRVST'),
  prefix('^SIMST'),
  prefix('^STIN'),
  prefix('^CSNR'),
  prefix('^NWTIME'),
  prefix('^NDISSTAT'),
  prefix('^SMMEMFULL'),
  prefix('^ORIG'),
  prefix('^CONF'),
  prefix('^CONN'),
  prefix('^CEND'),
  // ZTE: +ZDONR/+ZPASR seen mid-CMGS (python-gsmmodem #11), +ZUSIMR floods.
  prefix('+ZDONR'),
  prefix('+ZPASR'),
  prefix('+ZUSIMR'),
  prefix('+ZEND'),
  // Quectel / SIMCom / Cinterion / Telit / Wavecom / Sierra status.
  prefix('+QIND'),
  prefix('+QUSIM'),
  prefix('+CSQN'),
  prefix('+CMTE'),
  prefix('^SCKS'),
  prefix('#QSS'),
  prefix('+WIND'),
  { name: '+PACSP', match: 'starts' },
  exact('Call Ready'),
  exact('SMS DONE'),
  exact('PB DONE'),
  // Genuine (re)start indications. RDY: SIMCom/Quectel power-on ("indicates a modem reset",
  // ModemManager); absent when SIM800 auto-bauds, so SMS Ready (SIM800, TinyGSM #608) counts
  // too; ^SYSSTART: Cinterion start-up. Call Ready / SMS DONE / PB DONE only follow these.
  exact('RDY', { boot: true }),
  exact('SMS Ready', { boot: true }),
  exact('^SYSSTART', { boot: true }),
  // Power loss: the modem is going away (SIM800 manual; Quectel POWERED DOWN; Cinterion).
  exact('NORMAL POWER DOWN', { powerDown: true }),
  exact('POWERED DOWN', { powerDown: true }),
  exact('^SHUTDOWN', { powerDown: true }),
  { name: 'UNDER-VOLTAGE POWER DOWN', match: 'exact', powerDown: true },
  { name: 'OVER-VOLTAGE POWER DOWN', match: 'exact', powerDown: true },
  // SIM800 spells it WARNNING; accept both spellings via a prefix match.
  { name: 'UNDER-VOLTAGE WARN', match: 'starts' },
  { name: 'OVER-VOLTAGE WARN', match: 'starts' },
];

/** The set of recognised URCs; a driver adds its vendor codes. */
export class UrcRegistry {
  private readonly specs: UrcSpec[];

  constructor(specs: readonly UrcSpec[] = DEFAULT_URCS) {
    this.specs = [...specs];
  }

  /** Registers more URCs (e.g. from a vendor driver); later entries win over earlier ones. */
  add(...specs: UrcSpec[]): void {
    this.specs.unshift(...specs);
  }

  /** Finds the spec `line` belongs to, with its canonical name and args. */
  match(line: string): { spec: UrcSpec; name: string; args: string } | undefined {
    const text = line.trim();
    const upper = text.toUpperCase();
    for (const spec of this.specs) {
      const name = spec.name.toUpperCase();
      if (spec.match === 'exact' && upper === name) return { spec, name: spec.name, args: '' };
      if (spec.match === 'starts' && upper.startsWith(name)) return { spec, name: text, args: '' };
      if (spec.match === 'prefix' && upper.startsWith(name)) {
        const rest = /^\s*:(.*)$/.exec(text.slice(name.length));
        if (rest) return { spec, name: spec.name, args: (rest[1] ?? '').trim() };
      }
    }
    return undefined;
  }
}

/** Builds the Urc object handed to subscribers. */
export function makeUrc(spec: UrcSpec, name: string, line: string, args: string, pdu?: string): Urc {
  const urc: Urc = { name, line: line.trim(), args, boot: spec.boot === true };
  if (pdu !== undefined) urc.pdu = pdu;
  if (spec.powerDown) urc.powerDown = true;
  return urc;
}

/** Selects URCs by name (`'+CMTI'`, case-insensitive) or by predicate. */
export type UrcSelector = string | ((urc: Urc) => boolean);

/** Called with each matching URC. */
export type UrcHandler = (urc: Urc) => void;

/** Fans URCs out to subscribers; a throwing handler never disturbs the others. */
export class UrcDispatcher {
  private readonly subs = new Set<{ select: (urc: Urc) => boolean; handler: UrcHandler }>();

  constructor(private readonly onHandlerError: (err: unknown, urc: Urc) => void = () => {}) {}

  /** Subscribes; returns the unsubscribe function. */
  on(selector: UrcSelector, handler: UrcHandler): () => void {
    const wanted = typeof selector === 'string' ? selector.toUpperCase() : undefined;
    const select = typeof selector === 'string' ? (u: Urc) => u.name.toUpperCase() === wanted : selector;
    const sub = { select, handler };
    this.subs.add(sub);
    return () => {
      this.subs.delete(sub);
    };
  }

  /** Delivers one URC; returns how many handlers received it. */
  dispatch(urc: Urc): number {
    let n = 0;
    for (const sub of [...this.subs]) {
      try {
        if (!sub.select(urc)) continue;
        n++;
        sub.handler(urc);
      } catch (err) {
        this.onHandlerError(err, urc);
      }
    }
    return n;
  }
}
