import { open } from 'node:fs/promises';
import { decodeLine } from './record-codec.js';

/** One readable record of an append file. */
export interface ScannedRecord {
  n: number;
  value: unknown;
  offset: number;
  /** Line length without the newline. */
  length: number;
  /** Offset just after the newline. */
  end: number;
  /** Read after a problem: the file is damaged before it. */
  afterProblem: boolean;
}

/** Something in an append file that is not a readable record in its place. */
export interface ScanProblem {
  offset: number;
  length: number;
  reason: string;
  /** Record numbers that are missing here, when the numbering tells. */
  missing?: [number, number];
}

/** What a scan found. */
export interface ScanResult {
  exists: boolean;
  /** Bytes read (the file size, or the limit). */
  size: number;
  /** End of the readable, consecutively numbered prefix. */
  validEnd: number;
  /** Number of the last record of that prefix (0 when none). */
  validRecords: number;
  problems: ScanProblem[];
  /** Readable records found after the first problem. */
  recordsAfterProblem: number;
}

const CHUNK = 1 << 20;
const NL = 0x0a;

/**
 * Reads an append file line by line up to `limit` bytes, checking each record's checksum
 * and number. Every readable record goes to `onRecord`, also after a damaged region, so
 * that a salvage keeps what it can; strict loading looks only at the valid prefix. Never
 * throws for the file's content (only for I/O errors).
 */
export async function scanLog(path: string, onRecord: (r: ScannedRecord) => void, limit = Infinity): Promise<ScanResult> {
  const res: ScanResult = { exists: true, size: 0, validEnd: 0, validRecords: 0, problems: [], recordsAfterProblem: 0 };
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ...res, exists: false };
    throw err;
  }
  try {
    const size = Math.min((await handle.stat()).size, limit);
    res.size = size;
    let expected = 1;
    let numbered = false;
    let clean = true;
    const problem = (p: ScanProblem): void => {
      res.problems.push(p);
      clean = false;
    };
    // One buffer for the whole file: the incomplete line at the end of a read is moved to
    // its start and the next read goes after it. (A new buffer per read, about 1 MB each,
    // left the freed memory scattered in the allocator long after the load.)
    let buf = Buffer.alloc(Math.min(CHUNK, Math.max(size, 1)));
    let carry = 0;
    let pos = 0;
    while (pos < size) {
      // A line longer than the buffer: make room for the rest of it.
      if (carry === buf.length) buf = Buffer.concat([buf], buf.length * 2);
      const { bytesRead } = await handle.read(buf, carry, Math.min(buf.length - carry, size - pos), pos);
      if (bytesRead === 0) break;
      const data = buf.subarray(0, carry + bytesRead);
      const base = pos - carry;
      let start = 0;
      for (let i = data.indexOf(NL); i !== -1; i = data.indexOf(NL, start)) {
        const offset = base + start;
        const line = data.subarray(start, i);
        start = i + 1;
        const d = decodeLine(line);
        const rec = (n: number, value: unknown): void => {
          if (!clean) res.recordsAfterProblem++;
          onRecord({ n, value, offset, length: line.length, end: base + start, afterProblem: !clean });
          if (clean) {
            res.validEnd = base + start;
            res.validRecords = n;
          }
          expected = n + 1;
        };
        if (d.kind === 'bad') problem({ offset, length: line.length, reason: d.reason });
        else if (d.kind === 'legacy') {
          if (numbered) problem({ offset, length: line.length, reason: 'an unnumbered (v0.1) line after numbered records' });
          else rec(expected, d.value);
        } else {
          numbered = true;
          if (d.n > expected) problem({ offset, length: 0, reason: `records ${expected}-${d.n - 1} are missing before record ${d.n}`, missing: [expected, d.n - 1] });
          if (d.n < expected) problem({ offset, length: line.length, reason: `record ${d.n} is out of order (record ${expected} expected)` });
          rec(d.n, d.value);
        }
      }
      carry = data.length - start;
      buf.copyWithin(0, start, data.length);
      pos += bytesRead;
    }
    if (carry > 0) problem({ offset: size - carry, length: carry, reason: buf[0] === 0 ? 'zero bytes (a NUL-filled region) at the end' : 'an incomplete last line' });
  } finally {
    await handle.close();
  }
  return res;
}
