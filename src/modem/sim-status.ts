/**
 * What the SIM says (`AT+CPIN?` answers and the errors it may give instead), reduced to
 * the decisions the session makes. Sources: docs/hardware.md#sim-and-pin (ModemManager's
 * CPIN table, python-gsmmodem, Quectel forum, SIM800 manual) and docs/hardware.md#error-codes.
 */
import { isKatarError } from '../errors.js';

/** The SIM's condition as far as start-up is concerned. */
export type SimCondition =
  | 'ready'
  | 'pin' // wants the PIN
  | 'puk' // blocked, needs a person
  | 'busy' // still reading the card (CME 14 / 515, NOT READY): wait and ask again
  | 'absent'
  | 'failure' // CME 13 (card dead until re-seated, Quectel) / 15 wrong card
  | 'other-lock'; // PH-SIM PIN, PH-NET PIN...: a lock we never try to open

/** Interprets the `+CPIN:` line of an answer (quoted or not, any case). */
export function parseCpinLine(line: string): SimCondition {
  const value = line.replace(/^\+CPIN\s*:\s*/i, '').replace(/"/g, '').trim().toUpperCase();
  if (value === 'READY') return 'ready';
  if (value === 'SIM PIN') return 'pin';
  if (value === 'SIM PUK') return 'puk';
  if (value === 'NOT INSERTED') return 'absent';
  if (value === 'NOT READY' || value === '') return 'busy';
  return 'other-lock';
}

/** Interprets an `AT+CPIN?` failure (CME/CMS error codes); undefined when it says nothing. */
export function simConditionFromError(err: unknown): SimCondition | undefined {
  if (!isKatarError(err, 'CME_ERROR', 'CMS_ERROR')) return undefined;
  const code = err.details?.errorCode;
  const cms = err.code === 'CMS_ERROR';
  switch (code) {
    case 10:
    case 310:
      return 'absent';
    case 11:
    case 311:
      return 'pin';
    case 12:
    case 316:
      return 'puk';
    case 13:
    case 15:
    case 313:
    case 315:
      return 'failure';
    case 14:
    case 314:
      return 'busy';
    case 515:
      // CME 515 "please wait, init in progress" (Wavecom); CMS 515 is an address error.
      return cms ? undefined : 'busy';
    default:
      return undefined;
  }
}

/** The condition of the whole answer: the +CPIN line if any, else 'busy' (nothing yet). */
export function simConditionFromLines(lines: readonly string[]): SimCondition {
  const line = lines.find((l) => /^\+CPIN\s*:/i.test(l.trim()));
  return line === undefined ? 'busy' : parseCpinLine(line);
}
