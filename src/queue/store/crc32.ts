/**
 * CRC-32 (IEEE 802.3, the zlib/PNG polynomial), written out because node 20.0 has no
 * `zlib.crc32`. It guards each store record against torn writes, zeroed blocks and bit
 * rot; it is not a defence against deliberate tampering.
 */

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
  if (typeof data === 'string') return isAscii(data) ? crc32Ascii(data, prev) : crc32(Buffer.from(data, 'utf8'), prev);
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
