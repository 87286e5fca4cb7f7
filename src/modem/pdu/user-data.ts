import { KatarError } from '../../errors.js';
import type { DcsInfo } from './dcs.js';
import { gsm7ToText, textToGsm7 } from './gsm7-alphabet.js';
import { packSeptets, packedLength, unpackSeptets } from './gsm7-pack.js';
import type { OctetReader } from './octets.js';
import { decodeUcs2, encodeUcs2, hasLoneSurrogate } from './ucs2.js';
import { parseUdh, type UdhInfo } from './udh.js';
import type { DataEncoding, TextEncoding } from './types.js';

/** TP-UD holds at most 140 octets (TS 23.040 §9.2.3.16). */
export const MAX_UD_OCTETS = 140;

/** A decoded TP-UDL + TP-UD pair. */
export interface UserData {
  encoding: DataEncoding;
  text: string;
  data?: Uint8Array;
  udh?: UdhInfo;
}

/** TP-UDL and TP-UD octets for a text, with an optional UDH (including its UDHL octet). */
export function buildUserData(text: string, encoding: TextEncoding, udh?: Uint8Array): { udl: number; ud: Uint8Array } {
  const header = udh ?? new Uint8Array(0);
  let udl: number;
  let body: Uint8Array;
  if (encoding === 'gsm7') {
    const codes = textToGsm7(text);
    if (codes === undefined) throw new KatarError('PDU_INVALID', 'text is not GSM-7');
    // §9.2.3.24: fill bits after the header so the text starts on a septet boundary.
    const headerSeptets = Math.ceil((header.length * 8) / 7);
    body = packSeptets(codes, headerSeptets * 7 - header.length * 8);
    udl = headerSeptets + codes.length;
  } else {
    body = encodeUcs2(text);
    udl = header.length + body.length;
  }
  const ud = new Uint8Array(header.length + body.length);
  ud.set(header, 0);
  ud.set(body, header.length);
  if (ud.length > MAX_UD_OCTETS) {
    throw new KatarError('MESSAGE_TOO_LONG', `user data needs ${ud.length} octets, at most ${MAX_UD_OCTETS} fit`);
  }
  return { udl, ud };
}

/**
 * Reads TP-UDL and TP-UD up to the end of the PDU. Tolerates a UDL larger than the data,
 * trailing FF padding, trailing junk, and GSM-7 DCS values whose data is really UCS-2;
 * each is recorded in `warnings`.
 */
export function readUserData(reader: OctetReader, dcs: DcsInfo, udhi: boolean, warnings: string[]): UserData {
  const udl = reader.u8('TP-UDL');
  if (udhi && udl === 0) warnings.push('UDHI set but user data is empty');
  let encoding: DataEncoding = dcs.compressed ? '8bit' : dcs.encoding;
  if (dcs.compressed) warnings.push('compressed user data (TS 23.042) is not supported; returned as 8-bit data');
  else if (dcs.reserved) warnings.push('reserved DCS value read as GSM 7-bit default alphabet');

  const expected = encoding === 'gsm7' ? packedLength(udl) : udl;
  let ud: Uint8Array;
  if (expected > reader.remaining) {
    warnings.push(`UDL announces ${expected} octets but only ${reader.remaining} follow`);
    ud = reader.rest();
  } else if (expected < reader.remaining) {
    const all = reader.rest();
    if (encoding === 'gsm7' && all.length === udl && looksLikeUcs2(all, udhi, dcs.reserved)) {
      warnings.push('DCS says GSM-7 but UDL counts octets of UCS-2 data; decoded as UCS-2');
      encoding = 'ucs2';
      ud = all;
    } else {
      ud = all.slice(0, expected);
      const extra = all.slice(expected);
      if (extra.every((b) => b === 0xff)) warnings.push(`${extra.length} trailing FF padding octet(s) ignored`);
      else warnings.push(`${extra.length} octet(s) after the user data ignored`);
    }
  } else {
    ud = reader.rest();
  }
  return splitUserData(ud, udl, encoding, udhi, warnings);
}

function splitUserData(ud: Uint8Array, udl: number, encoding: DataEncoding, udhi: boolean, warnings: string[]): UserData {
  let headerOctets = 0;
  let udh: UdhInfo | undefined;
  if (udhi && ud.length > 0) {
    const udhl = ud[0] ?? 0;
    headerOctets = Math.min(1 + udhl, ud.length);
    if (1 + udhl > ud.length) warnings.push('UDH length runs past the user data');
    udh = parseUdh(ud.slice(1, headerOctets), warnings);
  }
  const result: UserData = { encoding, text: '' };
  if (udh) result.udh = udh;
  if (encoding === 'gsm7') {
    const headerSeptets = Math.ceil((headerOctets * 8) / 7);
    const codes = unpackSeptets(ud, udl).slice(headerSeptets);
    result.text = gsm7ToText(codes, warnings);
  } else if (encoding === 'ucs2') {
    result.text = decodeUcs2(ud.slice(headerOctets), warnings);
  } else {
    result.data = ud.slice(headerOctets);
  }
  return result;
}

// For a DCS/UDL mismatch: accept the UCS-2 reading only when it is plausible text.
function looksLikeUcs2(bytes: Uint8Array, udhi: boolean, reservedDcs: boolean): boolean {
  if (bytes.length % 2 !== 0 || bytes.length < 8) return false;
  const start = udhi ? 1 + (bytes[0] ?? 0) : 0;
  if (start >= bytes.length || (start % 2 !== 0 && !reservedDcs)) return false;
  const text = decodeUcs2(bytes.slice(start), []);
  if (hasLoneSurrogate(text) || hasControlCharacter(text)) return false;
  if (reservedDcs) return true;
  let latinOrCyrillic = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 0x0500) latinOrCyrillic++;
  return latinOrCyrillic * 2 >= text.length;
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const u = text.charCodeAt(i);
    if (u < 0x20 && u !== 0x09 && u !== 0x0a && u !== 0x0c && u !== 0x0d) return true;
  }
  return false;
}
