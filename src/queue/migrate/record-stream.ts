import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { KatarError } from '../../errors.js';
import { decodeLine } from '../store/record-codec.js';

/** One record of an append file and where it starts. */
export interface StreamedRecord {
  offset: number;
  value: unknown;
}

const CHUNK = 1 << 20;
const NL = 0x0a;

/**
 * The records of an append file (docs/STORE.md, "Records") from its start up to `end`,
 * its durable length as the load found it, read a megabyte at a time: a history of
 * 100,000 finished tasks is copied without holding it in memory. The load already
 * checked every record before `end`; one that does not decode now means the file
 * changed under the data-dir lock, and is refused (STORE_CORRUPT) rather than skipped.
 */
export async function* streamRecords(path: string, end: number): AsyncGenerator<StreamedRecord> {
  if (end <= 0) return;
  const handle = await open(path, 'r');
  try {
    let buf = Buffer.alloc(Math.min(CHUNK, end));
    let carry = 0;
    let pos = 0;
    while (pos < end) {
      if (carry === buf.length) buf = Buffer.concat([buf], buf.length * 2);
      const { bytesRead } = await handle.read(buf, carry, Math.min(buf.length - carry, end - pos), pos);
      if (bytesRead === 0) break;
      const data = buf.subarray(0, carry + bytesRead);
      const base = pos - carry;
      const out: StreamedRecord[] = [];
      let start = 0;
      for (let i = data.indexOf(NL); i !== -1; i = data.indexOf(NL, start)) {
        const d = decodeLine(data.subarray(start, i));
        if (d.kind === 'bad') throw changed(path, base + start, d.reason);
        out.push({ offset: base + start, value: d.value });
        start = i + 1;
      }
      carry = data.length - start;
      buf.copyWithin(0, start, data.length);
      pos += bytesRead;
      // Decoded values hold no reference to the buffer: it is reused for the next read.
      yield* out;
    }
    if (carry > 0) throw changed(path, end - carry, 'an incomplete record before the durable end');
  } finally {
    await handle.close();
  }
}

function changed(path: string, offset: number, why: string): KatarError {
  return new KatarError('STORE_CORRUPT', `${path}: ${why} at byte ${offset}, where the data directory's load read a whole record; run \`katar-sms store check\``, { file: basename(path), offset });
}
