/**
 * Packing of 7-bit septets into octets (TS 23.038 §6.1.2.1.1): septet i occupies bits
 * 7i..7i+6 of the stream, least significant bit first. `fillBits` zero bits come first,
 * which is how text after a User Data Header starts on a septet boundary (TS 23.040 §9.2.3.24).
 */

/** Octets needed for `septets` septets after `fillBits` fill bits. */
export function packedLength(septets: number, fillBits = 0): number {
  return Math.ceil((fillBits + septets * 7) / 8);
}

/** Packs septet codes into octets. */
export function packSeptets(codes: ArrayLike<number>, fillBits = 0): Uint8Array {
  const out = new Uint8Array(packedLength(codes.length, fillBits));
  for (let i = 0; i < codes.length; i++) {
    const septet = (codes[i] ?? 0) & 0x7f;
    const bit = fillBits + i * 7;
    const index = bit >> 3;
    const shift = bit & 7;
    out[index] = (out[index] ?? 0) | ((septet << shift) & 0xff);
    if (shift > 1) out[index + 1] = (out[index + 1] ?? 0) | (septet >> (8 - shift));
  }
  return out;
}

/**
 * Unpacks `count` septets. Septets that would need bits beyond the data are not produced,
 * so a short buffer yields fewer septets instead of invented '@' characters.
 */
export function unpackSeptets(bytes: Uint8Array, count: number, fillBits = 0): number[] {
  const available = Math.floor((bytes.length * 8 - fillBits) / 7);
  const n = Math.max(0, Math.min(count, available));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const bit = fillBits + i * 7;
    const index = bit >> 3;
    const shift = bit & 7;
    let v = (bytes[index] ?? 0) >> shift;
    if (shift > 1) v |= (bytes[index + 1] ?? 0) << (8 - shift);
    out.push(v & 0x7f);
  }
  return out;
}
