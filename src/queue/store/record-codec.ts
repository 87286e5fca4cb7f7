import { crc32, hex32 } from './crc32.js';

/**
 * One line of an append file: `<n> <crc> <json>\n`, where `n` numbers the records of the
 * file from 1 and `crc` is the CRC-32 of the bytes `<n> <json>`. The number makes a
 * record that is missing, repeated or moved detectable; the checksum one that is damaged.
 * JSON.stringify never writes a raw newline, so a line is exactly one record.
 *
 * Lines that start with `{` are v0.1 records (plain JSON, no number, no checksum); they
 * are read as valid at the start of a file so that an old data directory still loads.
 */
export type DecodedLine =
  | { kind: 'record'; n: number; value: unknown }
  | { kind: 'legacy'; value: unknown }
  | { kind: 'bad'; reason: string };

/** Encodes record number `n` holding `value` as one line (with its newline). */
export function encodeRecord(n: number, value: unknown): Buffer {
  const head = `${n} `;
  const json = JSON.stringify(value);
  // One buffer per record, the JSON encoded straight into it (a record is on the path of
  // every acknowledged change): `<n> ` and the checksum are ASCII, 9 bytes with its space.
  const at = head.length + 9;
  const size = Buffer.byteLength(json, 'utf8');
  const line = Buffer.allocUnsafe(at + size + 1);
  line.write(json, at, size, 'utf8');
  line.write(`${head}${hex32(crc32(line.subarray(at, at + size), crc32(head)))} `, 0, at, 'latin1');
  line[at + size] = 0x0a;
  return line;
}
const HEAD_RE = /^([1-9]\d{0,15}) ([0-9a-f]{8}) /;

/** Decodes one line (without its newline). Never throws. */
export function decodeLine(line: Buffer): DecodedLine {
  if (line.length === 0) return { kind: 'bad', reason: 'empty line' };
  if (line[0] === 0) return { kind: 'bad', reason: 'zero bytes (a NUL-filled region)' };
  if (line[0] === 0x7b) {
    try {
      return { kind: 'legacy', value: JSON.parse(line.toString('utf8')) };
    } catch {
      return { kind: 'bad', reason: 'unparseable line' };
    }
  }
  const m = HEAD_RE.exec(line.toString('latin1', 0, Math.min(line.length, 32)));
  if (!m) return { kind: 'bad', reason: 'not a record (no record number and checksum)' };
  const n = m[1]!;
  const json = line.subarray(m[0].length);
  if (hex32(crc32(json, crc32(`${n} `))) !== m[2]) return { kind: 'bad', reason: `checksum mismatch in record ${n}` };
  try {
    return { kind: 'record', n: Number(n), value: JSON.parse(json.toString('utf8')) };
  } catch {
    return { kind: 'bad', reason: `record ${n} has a valid checksum but is not JSON` };
  }
}
