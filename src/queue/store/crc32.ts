/**
 * CRC-32 (IEEE 802.3, the zlib/PNG polynomial). It guards each store record against torn
 * writes, zeroed blocks and bit rot; it is not a defence against deliberate tampering.
 * zlib's own (`zlib.crc32`, node 20.15 and later) does the long inputs, about five times
 * faster than the table loop below, which is kept for older node 20 releases and for the
 * short record heads (where a call into zlib costs more than it saves).
 */
import * as zlib from 'node:zlib';

/** zlib's CRC-32, where this node has it; `value` is the CRC of the bytes before. */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array | string, value?: number) => number }).crc32;

/** Inputs at least this long go to zlib. */
const NATIVE_FROM = 64;

const TABLE = ((): Uint32Array => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * CRC-32 of `data` (bytes, or a string taken as UTF-8); pass the CRC of the bytes before
 * as `prev` to checksum data that lies in several pieces.
 */
export function crc32(data: Uint8Array | string, prev = 0): number {
  if (nativeCrc32 && data.length >= NATIVE_FROM) return nativeCrc32(data, prev) >>> 0;
  return tableCrc32(data, prev);
}

/** The table loop: what `crc32` computes, without zlib. */
export function tableCrc32(data: Uint8Array | string, prev = 0): number {
  if (typeof data === 'string') return isAscii(data) ? crc32Ascii(data, prev) : tableCrc32(Buffer.from(data, 'utf8'), prev);
  let c = (prev ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** An ASCII string's UTF-8 bytes are its character codes: no buffer needed (record heads). */
function crc32Ascii(text: string, prev: number): number {
  let c = (prev ^ 0xffffffff) >>> 0;
  for (let i = 0; i < text.length; i++) c = TABLE[(c ^ text.charCodeAt(i)) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A CRC-32 as 8 lower-case hex digits, as the store writes it. */
export function hex32(crc: number): string {
  return crc.toString(16).padStart(8, '0');
}

/** CRC-32 of `data` as 8 lower-case hex digits. */
export function crc32Hex(data: Uint8Array | string): string {
  return hex32(crc32(data));
}
