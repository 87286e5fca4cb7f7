import { appendFile, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isKatarError } from '../../src/errors.js';
import { lockDataDir } from '../../src/queue/store/data-dir-lock.js';
import { FileStore } from '../../src/queue/store/file-store.js';
import type { Task } from '../../src/queue/task.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

function task(id: string, seq: number, status: Task['status'] = 'queued'): Task {
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString();
  return { _id: id, queue: 'sms', seq, data: { to: '+1', msg: `m${seq}` }, status, priority: 0, parts: 1, createdAt: at, updatedAt: at, finishedAt: at, attempts: [] };
}

/** Stores a test opened and left open, as a crash leaves them: let go of after the test. */
const opened: FileStore[] = [];
async function openStore(dir: string): Promise<FileStore> {
  const s = await FileStore.open(dir);
  opened.push(s);
  return s;
}

describe('file store', () => {
  let tmp: Awaited<ReturnType<typeof makeTmpDir>>;
  beforeEach(async () => {
    tmp = await makeTmpDir();
  });
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.abandon();
    await tmp.cleanup();
  });

  it('reloads live tasks from the journal and finished ones from history', async () => {
    const s = await openStore(tmp.dir);
    s.putLive(task('a', 1));
    s.putLive(task('b', 2));
    s.finish(task('b', 2, 'done'));
    await s.commit();
    await s.abandon(); // no close: as after kill -9
    const s2 = await openStore(tmp.dir);
    expect([...s2.live.keys()]).toEqual(['a']);
    expect([...s2.history.keys()]).toEqual(['b']);
    expect((await s2.readHistory(s2.history.get('b')!)).data.msg).toBe('m2');
    expect(s2.maxSeq).toBe(2);
  });

  it('cuts off a torn last line (never acknowledged) and keeps appending cleanly', async () => {
    const s = await openStore(tmp.dir);
    s.finish(task('a', 1, 'done'));
    await s.commit();
    await appendFile(join(tmp.dir, 'history.jsonl'), '{"_id":"b","que');
    const s2 = await openStore(tmp.dir);
    expect([...s2.history.keys()]).toEqual(['a']);
    s2.finish(task('c', 3, 'done'));
    await s2.commit();
    const s3 = await openStore(tmp.dir);
    expect([...s3.history.keys()]).toEqual(['a', 'c']);
  });

  it('folds the journal into a segmented lowdb checkpoint and removes old journals', async () => {
    const s = await openStore(tmp.dir);
    for (let i = 1; i <= 5; i++) {
      s.live.set(`t${i}`, task(`t${i}`, i)); // the queue owns the live map
      s.putLive(task(`t${i}`, i));
    }
    await s.commit();
    await s.checkpoint();
    const files = await readdir(tmp.dir);
    expect(files.filter((f) => f.startsWith('journal-'))).toEqual(['journal-00000002.jsonl']);
    const m = JSON.parse(await readFile(join(tmp.dir, 'manifest.json'), 'utf8')) as { journal: number; segments: Array<{ file: string; tasks: number }> };
    expect(m.journal).toBe(2);
    expect(m.segments.map((x) => x.tasks)).toEqual([5]);
    const seg = JSON.parse(await readFile(join(tmp.dir, m.segments[0]!.file), 'utf8')) as { tasks: Task[] };
    expect(seg.tasks.map((t) => t._id)).toEqual(['t1', 't2', 't3', 't4', 't5']);
    s.putLive(task('t6', 6));
    await s.commit();
    const s2 = await openStore(tmp.dir);
    expect(s2.live.size).toBe(6);
  });

  it('refuses to load a damaged v0.1 checkpoint instead of starting empty', async () => {
    await writeFile(join(tmp.dir, 'live.json'), '{"version":1,');
    const err = await openStore(tmp.dir).catch((e: unknown) => e);
    expect(isKatarError(err, 'STORE_CORRUPT')).toBe(true);
  });

  it('compaction drops what retention selects and keeps the rest readable', async () => {
    const s = await openStore(tmp.dir);
    for (let i = 1; i <= 4; i++) s.finish(task(`t${i}`, i, 'done'));
    await s.commit();
    const removed = await s.compact((m) => m.seq <= 2, () => false);
    expect(removed).toEqual({ tasks: 2, sms: 0, events: 0 });
    expect([...s.history.keys()]).toEqual(['t3', 't4']);
    expect((await s.readHistory(s.history.get('t4')!)).data.msg).toBe('m4');
    const s2 = await openStore(tmp.dir);
    expect([...s2.history.keys()]).toEqual(['t3', 't4']);
  });

  it('lets one process own a data directory (processes, pid reuse, zombies: test/queue/data-dir-lock.test.ts)', async () => {
    const lock = await lockDataDir(tmp.dir);
    const err = await lockDataDir(tmp.dir).catch((e: unknown) => e);
    expect(isKatarError(err, 'DATA_DIR_LOCKED')).toBe(true);
    expect(String((err as Error).message)).toContain(`pid ${process.pid}`);
    await lock.release();
    const again = await lockDataDir(tmp.dir);
    await again.release();
  });
});

describe('append log offsets', () => {
  it('gives records appended during a flush the right place in the file', async () => {
    const tmp = await makeTmpDir();
    try {
      const s = await openStore(tmp.dir);
      const commits: Promise<void>[] = [];
      for (let i = 1; i <= 300; i++) {
        s.finish(task(`t${i}`, i, 'done'));
        commits.push(s.commit());
        if (i % 7 === 0) await new Promise((r) => setImmediate(r)); // let a flush get under way
      }
      await Promise.all(commits);
      for (let i = 1; i <= 300; i++) expect((await s.readHistory(s.history.get(`t${i}`)!))._id).toBe(`t${i}`);
    } finally {
      await tmp.cleanup();
    }
  });
});

describe('append log reads', () => {
  it('reads a record back before and while its write is under way', async () => {
    const tmp = await makeTmpDir();
    try {
      const s = await openStore(tmp.dir);
      s.finish(task('a', 1, 'done'));
      expect((await s.readHistory(s.history.get('a')!))._id).toBe('a');
      const c = s.commit();
      await new Promise((r) => setImmediate(r));
      expect((await s.readHistory(s.history.get('a')!))._id).toBe('a');
      await c;
      expect((await s.readHistory(s.history.get('a')!))._id).toBe('a');
    } finally {
      await tmp.cleanup();
    }
  });
});
