import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scanLog, type ScannedRecord } from '../../../src/queue/store/log-scan.js';
import { encodeRecord } from '../../../src/queue/store/record-codec.js';

// scanLog reads a file through one buffer of 1 MiB at most, moving the incomplete line at
// the end of each read to its start: records across a read boundary, and records longer
// than the buffer, must come out whole, at their offsets.
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'katar-scan-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function scan(content: Buffer): Promise<{ records: ScannedRecord[]; res: Awaited<ReturnType<typeof scanLog>> }> {
  const path = join(dir, 'log.jsonl');
  await writeFile(path, content);
  const records: ScannedRecord[] = [];
  const res = await scanLog(path, (r) => records.push(r));
  return { records, res };
}

function lines(values: unknown[]): { buf: Buffer; offsets: number[] } {
  const parts = values.map((v, i) => encodeRecord(i + 1, v));
  const offsets: number[] = [];
  let at = 0;
  for (const p of parts) {
    offsets.push(at);
    at += p.length;
  }
  return { buf: Buffer.concat(parts), offsets };
}

describe('scanLog', () => {
  it('reads records across read boundaries, with their offsets and lengths', async () => {
    const values = Array.from({ length: 12_000 }, (_, i) => ({ i, pad: 'x'.repeat(200 + (i % 37)) }));
    const { buf, offsets } = lines(values);
    expect(buf.length).toBeGreaterThan(2 * 2 ** 20);
    const { records, res } = await scan(buf);
    expect(records.map((r) => r.value)).toEqual(values);
    expect(records.map((r) => r.offset)).toEqual(offsets);
    expect(records.every((r, i) => r.n === i + 1 && r.end === r.offset + r.length + 1 && !r.afterProblem)).toBe(true);
    expect(res).toMatchObject({ size: buf.length, validEnd: buf.length, validRecords: values.length, problems: [] });
  });

  it('reads a record longer than the read buffer (3 MiB) between short ones', async () => {
    const values = [{ a: 1 }, { big: 'y'.repeat(3 * 2 ** 20) }, { b: 2 }, { big: 'z'.repeat(2 ** 20 - 40) }, { c: 3 }];
    const { buf, offsets } = lines(values);
    const { records, res } = await scan(buf);
    expect(records.map((r) => r.value)).toEqual(values);
    expect(records.map((r) => r.offset)).toEqual(offsets);
    expect(res.validEnd).toBe(buf.length);
    expect(res.problems).toEqual([]);
  });

  it('names an incomplete last line and a NUL-filled tail, after the records before them', async () => {
    const { buf } = lines([{ a: 1 }, { b: 2 }]);
    const torn = encodeRecord(3, { c: 3 }).subarray(0, 10);
    const a = await scan(Buffer.concat([buf, torn]));
    expect(a.records.map((r) => r.value)).toEqual([{ a: 1 }, { b: 2 }]);
    expect(a.res.validEnd).toBe(buf.length);
    expect(a.res.problems).toEqual([{ offset: buf.length, length: 10, reason: 'an incomplete last line' }]);
    const b = await scan(Buffer.concat([buf, Buffer.alloc(4096)]));
    expect(b.records).toHaveLength(2);
    expect(b.res.problems).toEqual([{ offset: buf.length, length: 4096, reason: 'zero bytes (a NUL-filled region) at the end' }]);
  });

  it('reads an empty file and a one-record file', async () => {
    expect((await scan(Buffer.alloc(0))).res).toMatchObject({ exists: true, size: 0, validEnd: 0, validRecords: 0, problems: [] });
    const one = lines([{ only: true }]);
    const { records, res } = await scan(one.buf);
    expect(records.map((r) => r.value)).toEqual([{ only: true }]);
    expect(res.validEnd).toBe(one.buf.length);
  });
});
