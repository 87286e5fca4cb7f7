import { KatarError } from '../../errors.js';
import type { OctetReader } from './octets.js';

/** A service-centre time stamp (TS 23.040 §9.2.3.11) as an instant plus its zone. */
export interface Timestamp {
  date: Date;
  tzOffsetMinutes: number;
}

/**
 * Reads the 7 semi-octet pairs YY MM DD hh mm ss TZ. The TZ is in quarter hours with the
 * sign in bit 3 of its tens digit. Fields are combined arithmetically (tens × 10 + units)
 * even when a nibble is not BCD, as some SCs send (e.g. TZ octet C2 for +8 h); each such
 * oddity is reported in `warnings`.
 */
export function readTimestamp(reader: OctetReader, what: string, warnings: string[]): Timestamp {
  const raw = reader.take(7, what);
  const field = (i: number, mask = 0x0f): number => {
    const b = raw[i] ?? 0;
    const tens = b & mask;
    const units = b >> 4;
    if (tens > 9 || units > 9) warnings.push(`${what} has a non-decimal digit (octet ${hexOctet(b)})`);
    return tens * 10 + units;
  };
  const yy = field(0);
  const month = field(1);
  const day = field(2);
  const hour = field(3);
  const minute = field(4);
  const second = field(5);
  const tzQuarters = field(6, 0x07);
  const negative = ((raw[6] ?? 0) & 0x08) !== 0;
  const tzOffsetMinutes = (negative ? -tzQuarters : tzQuarters) * 15;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    warnings.push(`${what} has an out-of-range field`);
  }
  // TS 23.040 gives no century; SMS predates 1990, so 90-99 are the 1990s.
  const year = yy >= 90 ? 1900 + yy : 2000 + yy;
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  return { date: new Date(local - tzOffsetMinutes * 60_000), tzOffsetMinutes };
}

/** The 7 octets of a time stamp for `date` shown in the zone `tzOffsetMinutes` (rounded to 15 min). */
export function encodeTimestamp(date: Date, tzOffsetMinutes = 0): Uint8Array {
  if (!Number.isFinite(date.getTime())) throw new KatarError('PDU_INVALID', 'timestamp is not a valid date');
  const quarters = Math.round(tzOffsetMinutes / 15);
  if (!Number.isFinite(quarters) || Math.abs(quarters) > 79) {
    throw new KatarError('PDU_INVALID', `time zone offset ${tzOffsetMinutes} min is out of range`);
  }
  const local = new Date(date.getTime() + quarters * 15 * 60_000);
  const year = local.getUTCFullYear();
  if (year < 1990 || year > 2089) throw new KatarError('PDU_INVALID', `year ${year} cannot be encoded`);
  const pair = (v: number): number => (v % 10 << 4) | Math.floor(v / 10);
  const tz = pair(Math.abs(quarters)) | (quarters < 0 ? 0x08 : 0);
  return Uint8Array.of(
    pair(year % 100),
    pair(local.getUTCMonth() + 1),
    pair(local.getUTCDate()),
    pair(local.getUTCHours()),
    pair(local.getUTCMinutes()),
    pair(local.getUTCSeconds()),
    tz,
  );
}

function hexOctet(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, '0');
}
