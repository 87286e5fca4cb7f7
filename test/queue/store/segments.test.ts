import { cp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crc32Hex } from '../../../src/queue/store/crc32.js';
import { FileStore } from '../../../src/queue/store/file-store.js';
import type { Task } from '../../../src/queue/task.js';
import { makeTmpDir } from '../../helpers/tmp-dir.js';
import { task } from './store-fixtures.js';

function put(s: FileStore, t: Task): void {
  s.live.set(t._id, t);
  s.putLive(t);
}

function finish(s: FileStore, id: string): void {
  const t = s.live.get(id)!;
  s.live.delete(id);
  s.finish({ ...t, status: 'done', finishedAt: t.updatedAt });
}

async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(join(dir, 'live'))).sort();
}

describe('segmented checkpoint', () => {
  let tmp: Awaited<ReturnType<typeof makeTmpDir>>;
  beforeEach(async () => {
    tmp = await makeTmpDir();
  });
  afterEach(async () => tmp.cleanup());

  it('rewrites only the segments that changed since the last checkpoint', async () => {
    const s = await FileStore.open(tmp.dir, { segmentTasks: 10 });
    for (let i = 1; i <= 35; i++) put(s, task(`t${i}`, i)); // segments 0..3
    await s.commit();
    await s.checkpoint();
    const first = await segmentFiles(tmp.dir);
    expect(first).toEqual(['segment-0-2.json', 'segment-1-2.json', 'segment-2-2.json', 'segment-3-2.json']);
    put(s, { ...task('t15', 15), priority: 5 });
    finish(s, 't31');
    await s.commit();
    await s.checkpoint();
    expect(await segmentFiles(tmp.dir)).toEqual(['segment-0-2.json', 'segment-1-3.json', 'segment-2-2.json', 'segment-3-3.json']);
    await s.checkpoint(); // nothing changed: nothing rewritten
    expect(await segmentFiles(tmp.dir)).toEqual(['segment-0-2.json', 'segment-1-3.json', 'segment-2-2.json', 'segment-3-3.json']);
    await s.close();
    const s2 = await FileStore.open(tmp.dir, { segmentTasks: 999 }); // the directory's segment size wins
    expect(s2.live.size).toBe(34);
    expect(s2.live.get('t15')!.priority).toBe(5);
    expect(s2.live.has('t31')).toBe(false);
    expect([...s2.history.keys()]).toEqual(['t31']);
    await s2.close();
  });

  it('a crash at any step of a checkpoint loads the same state', async () => {
    const images: string[] = [];
    const s = await FileStore.open(tmp.dir, {
      segmentTasks: 10,
      onCheckpointStep: async (step) => {
        const d = `${tmp.dir}-${step}-${images.length}`;
        await cp(tmp.dir, d, { recursive: true });
        images.push(d);
      },
    });
    for (let i = 1; i <= 25; i++) put(s, task(`t${i}`, i));
    await s.commit();
    await s.checkpoint();
    put(s, { ...task('t3', 3), priority: 7 });
    finish(s, 't22');
    put(s, task('t26', 26));
    await s.commit();
    const during = s.checkpoint();
    // A change made while the checkpoint runs goes to the new journal.
    put(s, task('t27', 27));
    await s.commit();
    await during;
    const expected = [...s.live.keys()].sort();
    expect(expected).toContain('t27');
    for (const d of images.slice(3)) {
      const r = await FileStore.open(d);
      expect([...r.live.keys()].sort(), d).toEqual(expected);
      expect(r.live.get('t3')!.priority).toBe(7);
      expect([...r.history.keys()]).toEqual(['t22']);
      await r.close();
      await rm(d, { recursive: true });
    }
    await s.close();
    for (const d of images.slice(0, 3)) await rm(d, { recursive: true });
  });

  it('checkpoint cost follows the changes, not the size of the queue', async () => {
    const s = await FileStore.open(tmp.dir, { segmentTasks: 100 });
    for (let i = 1; i <= 2000; i++) put(s, task(`t${i}`, i));
    await s.commit();
    await s.checkpoint();
    put(s, { ...task('t1500', 1500), priority: 1 });
    await s.commit();
    const before = new Set(await segmentFiles(tmp.dir));
    await s.checkpoint();
    const written = (await segmentFiles(tmp.dir)).filter((f) => !before.has(f));
    expect(written).toEqual(['segment-15-3.json']);
    const bytes = (await stat(join(tmp.dir, 'live', written[0]!))).size;
    expect(bytes).toBeLessThan(100 * 400);
    await s.close();
  });

  it('a segment written in pieces is byte for byte the JSON of its document, as the manifest says', async () => {
    // 1,200 tasks of ~450 bytes: the segment is written in several 64 KiB pieces.
    const s = await FileStore.open(tmp.dir, { segmentTasks: 2000 });
    const tasks = Array.from({ length: 1200 }, (_, i) => ({ ...task(`t${i + 1}`, i + 1), data: { to: '+61404341143', msg: `ünïcödé € 😀 "quoted" \\ ${'x'.repeat(200)} ${i + 1}` } }));
    for (const t of tasks) put(s, t);
    await s.commit();
    await s.checkpoint();
    await s.close();
    const manifest = JSON.parse(await readFile(join(tmp.dir, 'manifest.json'), 'utf8')) as { segments: Array<{ file: string; bytes: number; crc: string; tasks: number }> };
    expect(manifest.segments).toHaveLength(1);
    const ref = manifest.segments[0]!;
    const bytes = await readFile(join(tmp.dir, ref.file));
    expect(bytes.toString('utf8')).toBe(JSON.stringify({ version: 2, id: 0, tasks }));
    expect(bytes.length).toBe(ref.bytes);
    expect(ref.crc).toBe(crc32Hex(bytes));
    expect(ref.tasks).toBe(1200);
    const s2 = await FileStore.open(tmp.dir);
    expect([...s2.live.values()]).toEqual(tasks);
    await s2.close();
  });
});

describe('a v0.1 data directory', () => {
  it('still loads, and is upgraded in place', async () => {
    const tmp = await makeTmpDir();
    try {
      const line = (v: unknown): string => `${JSON.stringify(v)}\n`;
      await writeFile(join(tmp.dir, 'live.json'), JSON.stringify({ version: 1, journal: 2, tasks: [task('a', 1), task('b', 2)] }));
      await writeFile(join(tmp.dir, 'journal-00000002.jsonl'), line({ put: task('c', 3) }) + line({ put: { ...task('a', 1), priority: 9 } }) + line({ put: task('b', 2, 'in progress') }));
      await writeFile(join(tmp.dir, 'history.jsonl'), line(task('b', 2, 'done')) + line(task('z', 0, 'failed')));
      await writeFile(join(tmp.dir, 'inbox.jsonl'), line({ _id: 'm1', queue: 'sms', seq: 4, from: '+1', msg: 'hi', receivedAt: '2026-01-01T00:00:00.000Z', source: 'http' }));
      const s = await FileStore.open(tmp.dir);
      expect([...s.live.keys()].sort()).toEqual(['a', 'c']);
      expect(s.live.get('a')!.priority).toBe(9);
      expect([...s.history.keys()]).toEqual(['b', 'z']);
      expect(s.inbox.map((m) => m._id)).toEqual(['m1']);
      expect(s.maxSeq).toBe(4);
      const files = await readdir(tmp.dir);
      expect(files).toContain('manifest.json');
      expect(files).not.toContain('live.json');
      expect(files).not.toContain('journal-00000002.jsonl');
      // New records are numbered after the old lines, in the same files.
      s.finish(task('d', 5, 'done'));
      await s.commit();
      const s2 = await FileStore.open(tmp.dir);
      expect([...s2.history.keys()]).toEqual(['b', 'z', 'd']);
      expect((await s2.readHistory(s2.history.get('b')!)).status).toBe('done');
      expect([...s2.live.keys()].sort()).toEqual(['a', 'c']);
      await s2.close();
      await s.close();
    } finally {
      await tmp.cleanup();
    }
  });
});
