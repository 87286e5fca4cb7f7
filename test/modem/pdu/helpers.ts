import { expect } from 'vitest';
import { isKatarError } from '../../../src/errors.js';
import { decodePdu, type DecodedDeliver, type DecodedPdu, type DecodedStatusReport, type DecodedSubmit } from '../../../src/modem/pdu/index.js';

/** Decodes and asserts the PDU type. */
export function decodeAs<K extends DecodedPdu['type']>(
  hex: string,
  type: K,
  opts?: { smscIncluded?: boolean },
): Extract<DecodedPdu, { type: K }> {
  const d = decodePdu(hex, opts);
  expect(d.type).toBe(type);
  return d as Extract<DecodedPdu, { type: K }>;
}

/** Shorthands. */
export const deliver = (hex: string): DecodedDeliver => decodeAs(hex, 'deliver');
export const submit = (hex: string): DecodedSubmit => decodeAs(hex, 'submit');
export const statusReport = (hex: string): DecodedStatusReport => decodeAs(hex, 'status-report');

/** Octets of a hex string written with optional spaces. */
export function bytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
}

/** Upper-case hex of octets. */
export function hexOf(b: Uint8Array): string {
  return Buffer.from(b).toString('hex').toUpperCase();
}

/** Runs `fn` and returns the KatarError code it throws (fails if it throws anything else or nothing). */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isKatarError(err)) return err.code;
    throw err;
  }
  throw new Error('expected a KatarError');
}
