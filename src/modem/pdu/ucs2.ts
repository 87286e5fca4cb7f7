/**
 * The 16-bit alphabet (TS 23.038 §6.2.3). Networks and phones carry UTF-16 in it, so
 * characters outside the BMP travel as surrogate pairs; we encode and decode UTF-16BE.
 */

/** UTF-16BE octets of `text` (two per UTF-16 code unit). */
export function encodeUcs2(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    out[i * 2] = unit >> 8;
    out[i * 2 + 1] = unit & 0xff;
  }
  return out;
}

/**
 * Text of UTF-16BE octets. An odd trailing octet is dropped with a warning. Unpaired
 * surrogates are kept as they are (with a warning) rather than replaced: a sender that
 * split a pair across two concatenated parts is repaired when the parts are joined.
 */
export function decodeUcs2(bytes: Uint8Array, warnings: string[]): string {
  const units = Math.floor(bytes.length / 2);
  if (bytes.length % 2 !== 0) warnings.push('UCS-2 user data has an odd number of octets; last octet ignored');
  let out = '';
  for (let i = 0; i < units; i++) {
    out += String.fromCharCode(((bytes[i * 2] ?? 0) << 8) | (bytes[i * 2 + 1] ?? 0));
  }
  if (hasLoneSurrogate(out)) warnings.push('UCS-2 text contains an unpaired surrogate');
  return out;
}

/** True when `text` has a high surrogate without its low half, or the reverse. */
export function hasLoneSurrogate(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const u = text.charCodeAt(i);
    if (u >= 0xd800 && u <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return true;
    } else if (u >= 0xdc00 && u <= 0xdfff) {
      return true;
    }
  }
  return false;
}
