/**
 * What an unsolicited result means to a session, pure: new stored message, routed PDU,
 * registration change, SIM/radio notice. Sources: docs/hardware.md (new-message
 * indications, status reports, registration and signal, start-up and restarts).
 */
import type { Urc } from '../at/urc.js';
import { parseClip, type CallSignal } from '../calls.js';
import type { DriverQuirks } from '../driver.js';
import { parseUnsolicitedRegistration } from '../network-status.js';
import { parseCusd, type CusdLine } from '../ussd-codec.js';

/** The effect of one URC. */
export type UrcEffect =
  | { type: 'stored'; storage: string; index: number; kind: 'sms' | 'status-report' }
  | { type: 'deliver'; pdu: string }
  | { type: 'status-report'; pdu: string }
  | { type: 'registration'; domain: 'cs' | 'eps'; stat: number | undefined }
  /** `+CPIN: ...` or `+CFUN: 1` out of the blue: after a reset, or the SIM became ready. */
  | { type: 'sim-or-radio'; line: string }
  /** A USSD reply (+CUSD), decoded by ussd.ts. */
  | { type: 'ussd'; line: CusdLine }
  /** An incoming call rings (RING, +CRING), names its caller (+CLIP) or ended (NO CARRIER). */
  | { type: 'call'; signal: CallSignal }
  | { type: 'ignored'; reason: string };

/** `"SM",3` / `"ME", 0` / `,-1` → storage and index. */
function storageIndex(args: string): { storage: string; index: number } | undefined {
  const m = /^"?([^",]*)"?\s*,\s*(-?\d+)/.exec(args.trim());
  if (!m) return undefined;
  return { storage: (m[1] ?? '').trim().toUpperCase(), index: Number(m[2]) };
}

/**
 * Interprets one URC; undefined for URCs that mean nothing to the session (^RSSI, +CTZV...).
 * `receiveStorage` fills in a `+CMTI` that names no memory.
 */
export function interpretUrc(urc: Urc, quirks: DriverQuirks, receiveStorage: string | undefined): UrcEffect | undefined {
  switch (urc.name.toUpperCase()) {
    case '+CMTI':
    case '+CDSI': {
      const at = storageIndex(urc.args);
      // SIM7000G on AT&T LTE: `+CMTI: ,-1`, nothing readable (LilyGO T-SIM7600X #63).
      if (!at || at.index < 0) return { type: 'ignored', reason: `unreadable location: ${urc.line}` };
      const report = urc.name.toUpperCase() === '+CDSI' || at.storage === 'SR';
      let storage = at.storage || receiveStorage || '';
      // Quectel EC25: +CDSI: "SM",<i> for a report stored in SR (chan_quectel PR #75).
      if (report && quirks.cdsiNamesWrongStorage) storage = 'SR';
      if (storage === '') return { type: 'ignored', reason: `no storage: ${urc.line}` };
      return { type: 'stored', storage, index: at.index, kind: report ? 'status-report' : 'sms' };
    }
    case '+CMT':
      if (urc.pdu === undefined) return { type: 'ignored', reason: '+CMT without a PDU line' };
      return { type: 'deliver', pdu: urc.pdu.replace(/,\d+$/, '').toUpperCase() };
    case '+CDS':
      if (urc.pdu === undefined) return { type: 'ignored', reason: 'text-mode +CDS' };
      return { type: 'status-report', pdu: urc.pdu.replace(/,\d+$/, '').toUpperCase() };
    case '+CREG':
      return { type: 'registration', domain: 'cs', stat: parseUnsolicitedRegistration(urc.args) };
    case '+CEREG':
      return { type: 'registration', domain: 'eps', stat: parseUnsolicitedRegistration(urc.args) };
    case '+CPIN':
      return { type: 'sim-or-radio', line: urc.line };
    case '+CFUN':
      return urc.args.trim() === '1' ? { type: 'sim-or-radio', line: urc.line } : undefined;
    case '+CUSD': {
      const line = parseCusd(urc.args);
      return line ? { type: 'ussd', line } : { type: 'ignored', reason: 'unreadable +CUSD' };
    }
    case 'RING':
    case '+CRING':
      return { type: 'call', signal: { kind: 'ring' } };
    case '+CLIP': {
      const caller = parseClip(urc.args);
      return caller ? { type: 'call', signal: { kind: 'caller', ...caller } } : { type: 'ignored', reason: 'unreadable +CLIP' };
    }
    case 'NO CARRIER':
      return { type: 'call', signal: { kind: 'ended' } };
    default:
      return undefined;
  }
}
