/**
 * Options and events of the AT engine (engine.ts), apart from its logic.
 */
import type { Urc, UrcSpec } from './urc.js';

/** The slice of a pino logger the engine uses. */
export interface AtLogger {
  debug(obj: object, msg?: string): void;
  /** Faults that end the engine (falls back to debug where absent). */
  error?(obj: object, msg?: string): void;
}

/** Engine-wide settings. */
export interface AtEngineOptions {
  /** Timeout of a plain command. Default 10 000 ms. */
  defaultTimeoutMs?: number;
  /** How long to wait for the OK that acknowledges an ESC abort. Default 2 000 ms. */
  escapeTimeoutMs?: number;
  /** Vendor URCs recognised on top of the built-in list. */
  urcs?: UrcSpec[];
  logger?: AtLogger;
}

/** Per-command settings of `send`. */
export interface SendOptions {
  timeoutMs?: number;
  /**
   * Response prefixes this command claims, e.g. `'+CSQ'`: matching lines belong to the
   * response even if they look like URCs. Default: derived from the command
   * (`AT+CREG?` claims `+CREG`); pass `[]` to claim nothing.
   */
  expect?: string | readonly string[];
  /**
   * A line with this prefix ends the response if no final result follows within
   * `finalGraceMs` (Wavecom / Sierra SL8084 answer `AT+CPIN?` without OK, gammu F_CPIN_NO_OK).
   */
  finalOnPrefix?: string;
  /** Default 500 ms. */
  finalGraceMs?: number;
}

/** Settings of `submitPdu`. */
export interface SubmitPduOptions {
  /** E.g. `AT+CMGS=23`. */
  command: string;
  /** Hex PDU (with its SMSC prefix) written after the prompt. */
  pdu: string;
  /** Prompt (and beforePdu) deadline. Default 10 000 ms (smstools3). */
  promptTimeoutMs?: number;
  /** Deadline for `+CMGS` after Ctrl-Z. Default 60 000 ms (SIM800 maximum; Quectel allows 120 s). */
  resultTimeoutMs?: number;
  /**
   * Started as soon as the command is written, concurrently with the prompt wait (so an
   * fsync hides behind the modem's prompt latency); the PDU is written only when both the
   * prompt has arrived and this has resolved. A promise already running is accepted too.
   * Rejecting aborts cleanly: ESC is written and the error carries `phase: 'prompt'`.
   */
  beforePdu?: (() => Promise<void>) | Promise<void>;
}

/** Why a line was reported as noise. */
export type NoiseReason = 'unclaimed' | 'garbage' | 'stray-prompt';

/** Events of the engine. */
export interface AtEngineEvents {
  urc: [urc: Urc];
  /** A reset indication (RDY, SMS Ready, ^SYSSTART): echo and settings must be re-applied. */
  boot: [urc: Urc];
  noise: [text: string, reason: NoiseReason];
  close: [err: Error | undefined];
  'port-error': [err: Error];
}
