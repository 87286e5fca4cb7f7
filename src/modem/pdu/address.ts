import { KatarError } from '../../errors.js';
import { gsm7ToText, textToGsm7 } from './gsm7-alphabet.js';
import { packSeptets, unpackSeptets } from './gsm7-pack.js';
import type { OctetReader } from './octets.js';
import type { AddressType } from './types.js';

/** Type of address for '+digits' (TS 23.040 §9.1.2.5: ext bit, TON 001, NPI ISDN). */
export const TOA_INTERNATIONAL = 0x91;
/** Type of address for plain digits (TON 000 unknown, NPI ISDN). */
export const TOA_UNKNOWN = 0x81;
/** Type of address for alphanumeric text (TON 101, NPI 0000). */
export const TOA_ALPHANUMERIC = 0xd0;

/** A decoded address. */
export interface Address {
  value: string;
  type: AddressType;
  toa: number;
}

// TS 23.040 §9.1.2.3: semi-octet values 1010..1110 are '*', '#', 'a', 'b', 'c'; 1111 is fill.
const SEMI_OCTET_DIGITS = '0123456789*#abc';

/** BCD semi-octets of a digit string, low nibble first, padded with F. */
export function encodeSemiOctets(digits: string): Uint8Array {
  const out = new Uint8Array(Math.ceil(digits.length / 2));
  for (let i = 0; i < digits.length; i++) {
    const v = SEMI_OCTET_DIGITS.indexOf(digits.charAt(i));
    if (v < 0) throw new KatarError('PDU_INVALID', `'${digits.charAt(i)}' cannot be a semi-octet digit`);
    out[i >> 1] = (out[i >> 1] ?? 0) | (i % 2 === 0 ? v : v << 4);
  }
  if (digits.length % 2 === 1) out[out.length - 1] = (out[out.length - 1] ?? 0) | 0xf0;
  return out;
}

/** Digits of `count` semi-octets; an F nibble ends the number early. */
export function decodeSemiOctets(bytes: Uint8Array, count = bytes.length * 2): string {
  let out = '';
  for (let i = 0; i < count; i++) {
    const b = bytes[i >> 1] ?? 0xff;
    const v = i % 2 === 0 ? b & 0x0f : b >> 4;
    if (v === 0x0f) break;
    out += SEMI_OCTET_DIGITS.charAt(v);
  }
  return out;
}

/** Which TOA an address string gets: '+digits' international, digits unknown, else alphanumeric. */
export function classifyAddress(value: string): { toa: number; digits: string } {
  if (/^\+[0-9*#]+$/.test(value)) return { toa: TOA_INTERNATIONAL, digits: value.slice(1) };
  if (/^[0-9*#]+$/.test(value)) return { toa: TOA_UNKNOWN, digits: value };
  return { toa: TOA_ALPHANUMERIC, digits: '' };
}

/**
 * TP-DA / TP-OA / TP-RA field (TS 23.040 §9.1.2.5): the length octet counts semi-octets
 * (digits), or for alphanumeric addresses the semi-octets the packed GSM-7 text uses.
 */
export function encodeAddress(value: string): Uint8Array {
  if (value.length === 0) throw new KatarError('PDU_INVALID', 'address is empty');
  const { toa, digits } = classifyAddress(value);
  if (toa !== TOA_ALPHANUMERIC) {
    if (digits.length > 20) throw new KatarError('PDU_INVALID', 'address has more than 20 digits');
    return Uint8Array.of(digits.length, toa, ...encodeSemiOctets(digits));
  }
  const codes = textToGsm7(value);
  if (codes === undefined) throw new KatarError('PDU_INVALID', 'alphanumeric address is not GSM-7 text');
  // §9.1.2.5: the address value is at most 10 octets, i.e. 11 packed septets.
  if (codes.length > 11) throw new KatarError('PDU_INVALID', 'alphanumeric address is longer than 11 septets');
  const packed = packSeptets(codes);
  return Uint8Array.of(Math.ceil((codes.length * 7) / 4), toa, ...packed);
}

/** Reads a TP-DA / TP-OA / TP-RA field. */
export function readAddress(reader: OctetReader, what: string): Address {
  const semiOctets = reader.u8(`${what} length`);
  const toa = reader.u8(`${what} type`);
  const value = reader.take(Math.ceil(semiOctets / 2), what);
  const type = addressTypeOf(toa);
  if (type === 'alphanumeric') {
    const codes = unpackSeptets(value, Math.floor((semiOctets * 4) / 7));
    return { value: gsm7ToText(codes, []), type, toa };
  }
  const digits = decodeSemiOctets(value, semiOctets);
  return { value: type === 'international' ? `+${digits}` : digits, type, toa };
}

/** RP-SC address field as modems expect it: length octet counts octets incl. the TOA. */
export function encodeSmsc(smsc: string | undefined): Uint8Array {
  if (smsc === undefined || smsc === '') return Uint8Array.of(0);
  const { toa, digits } = classifyAddress(smsc);
  if (toa === TOA_ALPHANUMERIC) throw new KatarError('PDU_INVALID', 'SMSC must be a number');
  if (digits.length > 20) throw new KatarError('PDU_INVALID', 'SMSC has more than 20 digits');
  const bcd = encodeSemiOctets(digits);
  return Uint8Array.of(bcd.length + 1, toa, ...bcd);
}

/** Reads the SMSC field; undefined when its length octet is 0 (use the SIM's SMSC). */
export function readSmsc(reader: OctetReader): Address | undefined {
  const octets = reader.u8('SMSC length');
  if (octets === 0) return undefined;
  const toa = reader.u8('SMSC type');
  const value = reader.take(octets - 1, 'SMSC address');
  const type = addressTypeOf(toa);
  const digits = decodeSemiOctets(value);
  return { value: type === 'international' ? `+${digits}` : digits, type, toa };
}

/** AddressType of a TOA octet's type-of-number bits. */
export function addressTypeOf(toa: number): AddressType {
  switch ((toa >> 4) & 0x07) {
    case 0:
      return 'unknown';
    case 1:
      return 'international';
    case 2:
      return 'national';
    case 5:
      return 'alphanumeric';
    default:
      return 'other';
  }
}
