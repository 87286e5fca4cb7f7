import type { AtResponse, SendOptions } from '../at/engine.js';
import type { Urc } from '../at/urc.js';
import type { RecoveryStatus } from './healing-ladder.js';
import type { DriverQuirks } from '../driver.js';
import type { CallSignal } from '../calls.js';
import type { CusdLine } from '../ussd-codec.js';

/**
 * The contract between a modem session (src/modem/session/session.ts: open, identify, init,
 * health, reconnect) and its user, the built-in worker (src/worker/). The worker never
 * sees the AT engine; the session never sees tasks.
 */

/** Where a session stands. Only `ready` sends and receives. */
export type ModemState =
  | 'connecting' // opening the port / waiting for AT to answer
  | 'initialising'
  | 'ready'
  | 'sim-pin-required' // a PIN is needed and none is configured
  | 'sim-puk-required' // blocked: never retried, needs a person
  | 'sim-wrong-pin' // the configured PIN was refused once: never retried (it would burn attempts)
  | 'no-sim'
  | 'sim-failure'
  | 'not-registered' // initialised, but no network: sending waits
  | 'disconnected' // port gone (unplug) or modem silent; reconnecting with backoff
  | 'failed' // the healing ladder found no way to make it answer; tried again after a backoff
  | 'closed';

/** What the modem told about itself. */
export interface ModemIdentity {
  manufacturer: string;
  model: string;
  revision: string;
  imei: string;
  /** The SIM's IMSI (`AT+CIMI`), once the SIM is ready; '' when the modem would not tell. */
  imsi?: string;
  /** The SIM's ICCID (`AT+CCID` or a vendor variant), read when the IMSI is not available. */
  iccid?: string;
}

/** One sample of the modem's health (every minute, and at start). */
export interface ModemHealthSample {
  /** From +CSQ: -113..-51 dBm, undefined when unknown (99). */
  signalDbm?: number;
  /** 'home' | 'roaming' | 'searching' | 'denied' | 'unknown' | 'not-registered' */
  registration: string;
  operator?: string;
  at: Date;
}

/** A message read from the modem's storage (AT+CMGR / AT+CMGL). */
export interface StoredPdu {
  /** Storage the index refers to (e.g. "SM", "ME", "SR"). */
  storage: string;
  index: number;
  /** `<stat>` when the modem gave one: 0 REC UNREAD, 1 REC READ, 2 STO UNSENT, 3 STO SENT, 4 ALL */
  stat?: number;
  /** Hex PDU including the SMSC field. */
  pdu: string;
}

/** Events of a session. */
export interface ModemSessionEvents {
  state: [state: ModemState, detail: string | undefined];
  /** Initialised and able to send (emitted again after every re-initialisation). */
  ready: [identity: ModemIdentity, driver: string];
  health: [sample: ModemHealthSample];
  /** A new message is stored: +CMTI (or a status report stored: +CDSI). */
  stored: [where: { storage: string; index: number; kind: 'sms' | 'status-report' }];
  /** A message delivered directly in the URC (+CMT: PDU), to acknowledge/store by the worker. */
  deliver: [pdu: string];
  /** A status report delivered directly (+CDS: PDU). */
  statusReport: [pdu: string];
  /** A `+CUSD:` reply or network-initiated USSD (ussd.ts). */
  ussd: [line: CusdLine];
  /** An incoming call rings, names its caller, or ended (calls.ts). */
  call: [signal: CallSignal];
  /** Every URC, for logging and tests. */
  urc: [urc: Urc];
  /** A step of the healing ladder was taken (healing-ladder.ts). */
  recovery: [status: RecoveryStatus];
}

/** What the built-in worker uses of a session. */
export interface ModemSessionApi {
  readonly name: string;
  readonly state: ModemState;
  readonly identity: ModemIdentity | undefined;
  /** The healing step in progress while the modem does not answer; undefined otherwise (and for sessions without healing). */
  readonly recovery?: RecoveryStatus | undefined;
  /** Commands in a row that timed out (0 once the modem answers one); absent where not tracked. */
  readonly unanswered?: number;
  /** Resolves when the session is `ready` (immediately if it is). */
  whenReady(): Promise<void>;
  /**
   * Sends one SMS-SUBMIT PDU with AT+CMGS. `beforePdu` runs concurrently with the
   * prompt wait; the PDU is written only after it resolved. Errors carry `details.phase`
   * ('prompt': nothing submitted, safe to retry; 'result': the PDU was written) and the
   * code OUTCOME_UNKNOWN when the modem's answer never came.
   */
  submit(pdu: string, tpduLength: number, beforePdu: () => Promise<void>): Promise<{ mr: number }>;
  /** Reads one stored message; undefined for an empty slot (any of the empty-slot answers). */
  read(storage: string, index: number): Promise<StoredPdu | undefined>;
  /** Lists every stored message of the receive storage (AT+CMGL=4), status reports included where the modem stores them there. */
  list(): Promise<StoredPdu[]>;
  /** Deletes one stored message. */
  remove(storage: string, index: number): Promise<void>;
  /** The quirks of the driver picked at the last init (empty before). */
  readonly quirks: DriverQuirks;
  /**
   * Runs a command that touches nothing the session owns (AT+CUSD, AT+CHUP, AT+CLIP) once
   * the modem is initialised, queued on the one command channel behind the SMS work
   * (never inside a submit); MODEM_BUSY otherwise.
   */
  control(command: string, opts?: SendOptions): Promise<AtResponse>;
  on<K extends keyof ModemSessionEvents>(event: K, listener: (...args: ModemSessionEvents[K]) => void): this;
  off<K extends keyof ModemSessionEvents>(event: K, listener: (...args: ModemSessionEvents[K]) => void): this;
}
