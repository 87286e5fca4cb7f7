import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/clock.js';
import type { SentPart } from '../../src/queue/delivery-index.js';
import { readSentParts } from '../../src/queue/delivery-restore.js';
import { FileStore } from '../../src/queue/store/file-store.js';
import type { Task } from '../../src/queue/task.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const DAY = 24 * 3_600_000;
const MODEM = 'modem0:001010000000001';

/** A finished task `minutesAgo` old; with `refs`, one sent part per reference. */
function finished(id: string, seq: number, minutesAgo: number, refs: number[] = []): Task {
  const at = new Date(Date.now() - minutesAgo * 60_000).toISOString();
  const t: Task = { _id: id, queue: 'sms', seq, data: { to: '+61404341143', msg: `m${seq}` }, status: 'done', priority: 0, parts: Math.max(1, refs.length), createdAt: at, updatedAt: at, finishedAt: at, attempts: [] };
  if (refs.length) {
    t.delivery = { status: 'pending', references: refs, updatedAt: at, parts: refs.map((reference) => ({ reference, modem: MODEM, epoch: 0, sentAt: at, status: 'pending' as const })) };
  }
  return t;
}

/** What the restore read before the index marked tasks with parts: every finished task in the window, read back. */
async function everyRecordsParts(s: FileStore): Promise<Array<[string, number, number]>> {
  const out: Array<[string, number, number]> = [];
  for (const meta of [...s.history.values()].reverse()) {
    if (Date.parse(meta.finishedAt) < Date.now() - DAY) break;
    const t = await s.readHistory(meta);
    t.delivery?.parts.forEach((p, i) => out.push([t._id, i, p.reference]));
  }
  return out.sort();
}

const summary = (parts: SentPart[]): Array<[string, number, number]> => parts.map((p): [string, number, number] => [p.taskId, p.index, p.reference]).sort();

describe('delivery restore', () => {
  let tmp: Awaited<ReturnType<typeof makeTmpDir>>;
  const opened: FileStore[] = [];
  const open = async (): Promise<FileStore> => {
    const s = await FileStore.open(tmp.dir);
    opened.push(s);
    return s;
  };
  /** The restore, and how many history records it read back (in runs, or one by one through the store). */
  const restore = async (s: FileStore): Promise<{ parts: SentPart[]; reads: number; storeReads: number }> => {
    const spy = vi.spyOn(s, 'readHistory');
    const found = await readSentParts(s, DAY, systemClock);
    const storeReads = spy.mock.calls.length;
    spy.mockRestore();
    const parts = [...found];
    expect(found.size).toBe(parts.length);
    return { parts, reads: found.recordsRead, storeReads };
  };

  beforeEach(async () => {
    tmp = await makeTmpDir();
  });
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.abandon();
    await tmp.cleanup();
  });

  it('reads back only the finished tasks with sent parts, across a restart, a retention rewrite and a torn tail', async () => {
    const s = await open();
    let seq = 0;
    s.finish(finished('old', ++seq, 25 * 60, [1])); // sent before the validity window: never read
    for (let i = 0; i < 200; i++) s.finish(finished(`plain${i}`, ++seq, 600 - i)); // no parts (a remote worker's)
    s.finish(finished('one', ++seq, 300, [7]));
    s.finish(finished('two', ++seq, 200, [8, 9]));
    for (let i = 0; i < 200; i++) s.finish(finished(`late${i}`, ++seq, 100 - i / 10));
    await s.commit();
    const expected = [['one', 0, 7], ['two', 0, 8], ['two', 1, 9]];
    expect(await everyRecordsParts(s)).toEqual(expected);
    const r1 = await restore(s);
    expect(summary(r1.parts)).toEqual(expected);
    // Read from the file in runs, none through the store one by one.
    expect([r1.reads, r1.storeReads]).toEqual([2, 0]);
    expect(s.history.get('one')?.sentParts).toBe(true);
    expect(s.history.get('plain0')?.sentParts).toBeUndefined();

    // A restart (kill -9: no close) rebuilds the marks from the records.
    await s.abandon();
    const s2 = await open();
    const r2 = await restore(s2);
    expect(summary(r2.parts)).toEqual(expected);
    expect(r2.reads).toBe(2);

    // A report recorded on a finished task rewrites its record: still marked.
    const two = await s2.readHistory(s2.history.get('two')!);
    s2.finish({ ...two, delivery: { ...two.delivery!, parts: [{ ...two.delivery!.parts[0]!, status: 'delivered' }, two.delivery!.parts[1]!] } });
    await s2.commit();
    expect(s2.history.get('two')?.sentParts).toBe(true);

    // Retention drops some tasks; the rewrite indexes the rest from their records.
    await s2.compact((m) => m._id === 'one' || m._id.startsWith('plain1'), () => false);
    const afterRetention = [['two', 0, 8], ['two', 1, 9]];
    expect(summary((await restore(s2)).parts)).toEqual(afterRetention);
    s2.finish(finished('three', ++seq, 1, [10]));
    await s2.commit();
    await s2.abandon();

    // A torn last record (a finish never acknowledged) is cut; the marks of the others stand.
    const torn = JSON.stringify(finished('torn', ++seq, 0, [11]));
    await appendFile(join(tmp.dir, 'history.jsonl'), `${seq} 0badc0de ${torn.slice(0, torn.length / 2)}`);
    const s3 = await open();
    const r3 = await restore(s3);
    const final = [['three', 0, 10], ['two', 0, 8], ['two', 1, 9]];
    expect(await everyRecordsParts(s3)).toEqual(final);
    expect(summary(r3.parts)).toEqual(final);
    expect(r3.reads).toBe(2);
    expect(s3.history.has('torn')).toBe(false);
  });

  it('reads a finish not yet written, and one moved by a later write, through the store', async () => {
    const s = await open();
    s.finish(finished('a', 1, 30, [4]));
    s.finish(finished('b', 2, 20, [5]));
    await s.commit();
    // Not on disk yet (no commit): only the store has it, from memory.
    s.finish(finished('c', 3, 10, [6]));
    const r = await restore(s);
    expect(summary(r.parts)).toEqual([['a', 0, 4], ['b', 0, 5], ['c', 0, 6]]);
    expect([r.reads, r.storeReads]).toEqual([3, 1]);
    await s.commit();

    // A record cut off on disk where the index still points (a damaged file): the store
    // cannot read it either, and the restore goes on without it.
    const meta = s.history.get('b')!;
    const { open: openFile } = await import('node:fs/promises');
    const h = await openFile(join(tmp.dir, 'history.jsonl'), 'r+');
    await h.write(Buffer.from('X'), 0, 1, meta.pos.offset + 20);
    await h.close();
    const damaged = await restore(s);
    expect(summary(damaged.parts)).toEqual([['a', 0, 4], ['c', 0, 6]]);
    expect(damaged.storeReads).toBe(1);
  });

  it('gives the parts oldest send first, with their age from sentAt', async () => {
    const s = await open();
    s.finish(finished('b', 2, 10, [5]));
    s.finish(finished('a', 1, 30, [4]));
    await s.commit();
    const now = systemClock.mono();
    const { parts } = await restore(s);
    expect(parts.map((p) => p.taskId)).toEqual(['a', 'b']);
    expect(now - parts[0]!.sentMono).toBeGreaterThanOrEqual(30 * 60_000 - 1000);
    expect(now - parts[1]!.sentMono).toBeLessThan(11 * 60_000);
  });
});
