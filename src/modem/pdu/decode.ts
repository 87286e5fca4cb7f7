import { isKatarError, KatarError } from '../../errors.js';
import { readSmsc } from './address.js';
import { readDeliver, readStatusReport, readSubmit } from './decode-tpdu.js';
import { fromHex, OctetReader } from './octets.js';
import type { DecodedPdu } from './types.js';

/** Options of `decodePdu`. */
export interface DecodeOptions {
  /** True (default) when the hex starts with the SMSC field, as +CMGR/+CMGL/+CMT/+CDS print it. */
  smscIncluded?: boolean;
}

/**
 * Decodes a PDU as a modem prints it (hex, any case). smscIncluded defaults to true (what
 * +CMGR/+CMGL/+CMT print, and what AT+CMGS receives). Throws KatarError('PDU_INVALID') for
 * anything it cannot make sense of, never an untyped error. Tolerates the real-world defects
 * listed in docs/hardware.md#defects-the-decoder-tolerates (trailing ',0', trailing FF padding, extra octets after TP-ST, UDL
 * larger than the data, a wrong SMSC length octet, DCS mismatches) and records each one in
 * `warnings`. 8-bit user data is returned in `data` with `text` = ''.
 */
export function decodePdu(hex: string, opts: DecodeOptions = {}): DecodedPdu {
  try {
    return decodeChecked(hex, opts.smscIncluded ?? true);
  } catch (err) {
    if (isKatarError(err)) throw err;
    // Last line of defence: the contract is that garbage yields PDU_INVALID, nothing else.
    throw new KatarError('PDU_INVALID', 'PDU could not be decoded', undefined, { cause: err });
  }
}

function decodeChecked(hex: string, smscIncluded: boolean): DecodedPdu {
  const cleanupWarnings: string[] = [];
  const bytes = fromHex(normalizeHex(String(hex), cleanupWarnings));
  if (bytes.length === 0) throw new KatarError('PDU_INVALID', 'PDU is empty');
  if (!smscIncluded) return withWarnings(decodeTpdu(bytes, undefined, []), cleanupWarnings);
  const announced = bytes[0] ?? 0;
  // A wrong SMSC length octet (seen from ZTE firmware) garbles everything after it, and a
  // lenient decoder still "succeeds" on garbage. So when the literal reading is not clean,
  // also try the readings such firmware produces and keep the one with fewest defects.
  const readings: Array<{ tpduStart: number; note?: string }> = [{ tpduStart: 1 + announced }];
  if (announced > 0) readings.push({ tpduStart: 2 + Math.ceil(announced / 2), note: `SMSC length octet ${announced} read as a digit count` });
  readings.push({ tpduStart: 0, note: 'PDU has no SMSC field although one was expected' });
  let best: { decoded: DecodedPdu; score: number } | undefined;
  let literalError: unknown;
  const tried = new Set<number>();
  for (const { tpduStart, note } of readings) {
    if (tried.has(tpduStart)) continue;
    tried.add(tpduStart);
    try {
      const decoded = tpduStart === 0 ? decodeTpdu(bytes, undefined, []) : decodeWithSmscLength(bytes, tpduStart, []);
      if (note === undefined && decoded.warnings.length === 0) return withWarnings(decoded, cleanupWarnings);
      const score = decoded.warnings.length + (note === undefined ? 0 : 1);
      if (note !== undefined) decoded.warnings.unshift(note);
      if (!best || score < best.score) best = { decoded, score };
    } catch (err) {
      if (!isKatarError(err, 'PDU_INVALID')) throw err;
      if (note === undefined) literalError = err;
    }
  }
  if (best) return withWarnings(best.decoded, cleanupWarnings);
  throw literalError ?? new KatarError('PDU_INVALID', 'PDU could not be decoded');
}

function decodeWithSmscLength(bytes: Uint8Array, tpduStart: number, warnings: string[]): DecodedPdu {
  const field = bytes.slice(0, tpduStart);
  field[0] = tpduStart - 1;
  const smsc = readSmsc(new OctetReader(field));
  if (smsc !== undefined && !/^\+?\d{3,}$/.test(smsc.value)) {
    warnings.push(`SMSC address '${smsc.value}' looks malformed`);
  }
  // TS 23.040 §9.1.2.5: bit 7 of a type-of-address octet is always 1; a 0 means misalignment.
  if (smsc !== undefined && (smsc.toa & 0x80) === 0) warnings.push('SMSC type-of-address lacks its extension bit');
  return decodeTpdu(bytes.subarray(tpduStart), smsc?.value, warnings);
}

function decodeTpdu(tpdu: Uint8Array, smsc: string | undefined, warnings: string[]): DecodedPdu {
  if (tpdu.length === 0) throw new KatarError('PDU_INVALID', 'PDU has no TPDU after the SMSC field');
  const reader = new OctetReader(tpdu);
  const firstOctet = reader.u8('first octet');
  let decoded: DecodedPdu;
  switch (firstOctet & 0x03) {
    case 0x01:
      decoded = readSubmit(reader, firstOctet, warnings);
      break;
    case 0x02:
      decoded = readStatusReport(reader, warnings);
      break;
    case 0x03:
      // TS 23.040 §9.2.3.1: a reserved TP-MTI is processed as an SMS-DELIVER.
      warnings.push('reserved TP-MTI 11 decoded as SMS-DELIVER');
      decoded = readDeliver(reader, firstOctet, warnings);
      break;
    default:
      decoded = readDeliver(reader, firstOctet, warnings);
  }
  if (smsc !== undefined) decoded.smsc = smsc;
  return decoded;
}

// Modems print PDUs with stray whitespace, and some append ",0" (gammu: "Strip possible ,0
// at the end of reply. It actually should not be there").
function normalizeHex(hex: string, warnings: string[]): string {
  let s = hex.replace(/\s+/g, '');
  const suffix = /,\d+$/.exec(s);
  if (suffix) {
    warnings.push(`trailing '${suffix[0]}' after the PDU ignored`);
    s = s.slice(0, suffix.index);
  }
  return s;
}

function withWarnings<T extends DecodedPdu>(decoded: T, extra: string[]): T {
  decoded.warnings.unshift(...extra);
  return decoded;
}
