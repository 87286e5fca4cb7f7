import { appendFile, readFile, readdir, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isKatarError, type KatarError } from '../../../src/errors.js';
import { FileStore } from '../../../src/queue/store/file-store.js';
import type { Task } from '../../../src/queue/task.js';
import { makeTmpDir } from '../../helpers/tmp-dir.js';
import { journalPath, offsetOf, task, zeroBytes } from './store-fixtures.js';

/** Stores a test opened and left open, as a crash leaves them: let go of after the test. */
const opened: FileStore[] = [];
async function openStore(dir: string): Promise<FileStore> {
  const s = await FileStore.open(dir);
  opened.push(s);
  return s;
}

async function openError(dir: string): Promise<KatarError> {
  const err = await FileStore.open(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isKatarError(err, 'STORE_CORRUPT')) throw new Error(`expected STORE_CORRUPT, got ${String(err)}`);
  return err;
}

/** Three commits: live a and b, c finished (history), one received SMS. */
async function seed(dir: string): Promise<void> {
  const s = await FileStore.open(dir);
  s.putLive(task('a', 1));
  await s.commit();
  s.putLive(task('b', 2));
  s.putLive(task('c', 3, 'in progress'));
  await s.commit();
  s.live.delete('c');
  s.finish(task('c', 3, 'done'));
  s.addInbox({ _id: 'sms1', queue: 'sms', seq: 4, from: '+1555', msg: 'hi', receivedAt: '2026-01-01T00:00:00.000Z', source: 'http' });
  await s.commit();
  s.putLive(task('d', 5));
  await s.commit();
  await s.settled(); // the follow-up commit record is written too
  await s.abandon(); // no close: as after a power cut
}

describe('damaged files are detected, named, and never dropped silently', () => {
  let tmp: Awaited<ReturnType<typeof makeTmpDir>>;
  beforeEach(async () => {
    tmp = await makeTmpDir();
    await seed(tmp.dir);
  });
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.abandon();
    await tmp.cleanup();
  });

  it('loads the seeded directory as it was committed', async () => {
    const s = await openStore(tmp.dir);
    expect([...s.live.keys()].sort()).toEqual(['a', 'b', 'd']);
    expect([...s.history.keys()]).toEqual(['c']);
    expect(s.inbox.map((m) => m._id)).toEqual(['sms1']);
    await s.close();
  });

  it('a zeroed history.jsonl stops the start, naming the file, the offset and the way out', async () => {
    await zeroBytes(join(tmp.dir, 'history.jsonl'));
    const err = await openError(tmp.dir);
    expect(err.details).toMatchObject({ file: 'history.jsonl', offset: 0 });
    expect(err.message).toMatch(/history\.jsonl.*byte 0.*katar-sms store check.*katar-sms store recover/s);
  });

  it('a zeroed inbox, a zeroed journal and a journal cut short are each detected', async () => {
    const copy = async (name: string): Promise<string> => {
      const d = join(tmp.dir, '..', `${name}-${Date.now()}`);
      await import('node:fs/promises').then((fs) => fs.cp(tmp.dir, d, { recursive: true }));
      return d;
    };
    const zi = await copy('zi');
    await zeroBytes(join(zi, 'inbox.jsonl'));
    expect((await openError(zi)).details).toMatchObject({ file: 'inbox.jsonl' });
    const zj = await copy('zj');
    await zeroBytes(journalPath(zj));
    expect((await openError(zj)).details).toMatchObject({ file: 'journal-00000001.jsonl', offset: 0 });
    const tj = await copy('tj');
    await truncate(journalPath(tj), (await offsetOf(journalPath(tj), '"_id":"b"')) + 10);
    expect((await openError(tj)).details).toMatchObject({ file: 'journal-00000001.jsonl' });
    const ej = await copy('ej');
    await truncate(journalPath(ej), 0);
    expect((await openError(ej)).details).toMatchObject({ file: 'journal-00000001.jsonl', offset: 0 });
    for (const d of [zi, zj, tj, ej]) await rm(d, { recursive: true });
  });

  it('a zeroed record in the middle is reported at its own offset', async () => {
    const at = await offsetOf(journalPath(tmp.dir), '"_id":"b"');
    await zeroBytes(journalPath(tmp.dir), at, 20);
    const err = await openError(tmp.dir);
    expect(err.details).toMatchObject({ file: 'journal-00000001.jsonl', offset: at });
  });

  it('a deleted manifest or a deleted checkpoint segment is detected', async () => {
    const s = await openStore(tmp.dir);
    await s.close(); // writes a checkpoint: the live tasks are now in a segment
    const seg = (await readdir(join(tmp.dir, 'live')))[0]!;
    await rm(join(tmp.dir, 'live', seg));
    expect((await openError(tmp.dir)).details).toMatchObject({ file: `live/${seg}` });
    await rm(join(tmp.dir, 'manifest.json'));
    expect((await openError(tmp.dir)).details).toMatchObject({ file: 'manifest.json' });
  });

  it('JSON that parses but is not a task is named with file and offset, not a TypeError', async () => {
    const s = await openStore(tmp.dir);
    s.putLive({ _id: 'x', queue: 'sms', seq: 9 } as unknown as Task);
    await s.commit();
    const err = await openError(tmp.dir);
    expect(err.details).toMatchObject({ file: 'journal-00000001.jsonl' });
    expect(err.message).toMatch(/task x has/);
  });

  it('cuts only a torn last record (never acknowledged), silently', async () => {
    const size = (await stat(join(tmp.dir, 'history.jsonl'))).size;
    await appendFile(join(tmp.dir, 'history.jsonl'), '7 0badc0de {"_id":"z","que');
    await appendFile(journalPath(tmp.dir), Buffer.alloc(300)); // a tail of zeros, as ext4 leaves after a power cut
    const s = await openStore(tmp.dir);
    expect([...s.live.keys()].sort()).toEqual(['a', 'b', 'd']);
    expect((await stat(join(tmp.dir, 'history.jsonl'))).size).toBe(size);
    s.finish(task('e', 6, 'done'));
    await s.commit();
    const s2 = await openStore(tmp.dir);
    expect([...s2.history.keys()]).toEqual(['c', 'e']);
  });

  it('a commit whose writes were cut by the crash is dropped whole, in every file', async () => {
    // As if a commit (e) reached its commit record but none of its data reached the disk.
    const { readSlots, CommitSlots } = await import('../../../src/queue/store/commit-slots.js');
    const { newest } = await readSlots(join(tmp.dir, 'commit.slots'));
    const slots = await CommitSlots.open(join(tmp.dir, 'commit.slots'));
    await slots.write({ ...newest!, gen: newest!.gen + 1, confirmed: false, journal: { ...newest!.journal, records: newest!.journal.records + 1, bytes: newest!.journal.bytes + 300 } });
    await slots.close();
    await appendFile(journalPath(tmp.dir), '7 00000000 {"put":{"_id":"e"'); // what little of it landed
    const s = await openStore(tmp.dir);
    expect([...s.live.keys()].sort()).toEqual(['a', 'b', 'd']);
    s.putLive(task('f', 6));
    await s.commit();
    const s2 = await openStore(tmp.dir);
    expect([...s2.live.keys()].sort()).toEqual(['a', 'b', 'd', 'f']);
  });

  it('even the last acknowledged commit is protected once it is confirmed', async () => {
    const j = journalPath(tmp.dir);
    await truncate(j, await offsetOf(j, '"_id":"d"'));
    expect((await openError(tmp.dir)).details).toMatchObject({ file: 'journal-00000001.jsonl' });
  });

  it('a finished task never comes back from the journal when its history record is lost', async () => {
    // c was journaled "in progress", then finished; its history record is lost.
    await zeroBytes(join(tmp.dir, 'history.jsonl'));
    const { recoverStore } = await import('../../../src/queue/store/store-recover.js');
    const r = await recoverStore(tmp.dir);
    expect(r.ok).toBe(false);
    const lost = r.problems.find((p) => p.ids);
    expect(lost).toMatchObject({ file: 'history.jsonl', ids: ['c'] });
    expect(r.moved).toContain('history.jsonl');
    expect(await readdir(join(tmp.dir, r.movedTo!))).toContain('history.jsonl');
    const s = await openStore(tmp.dir);
    expect(s.live.has('c')).toBe(false);
    expect([...s.live.keys()].sort()).toEqual(['a', 'b', 'd']);
    expect(s.inbox.map((m) => m._id)).toEqual(['sms1']);
    await s.close();
  });

  it('recover keeps every record still readable around a damaged one', async () => {
    const h = join(tmp.dir, 'history.jsonl');
    const s = await openStore(tmp.dir);
    for (let i = 10; i < 15; i++) s.finish(task(`h${i}`, i, 'done'));
    await s.commit();
    await zeroBytes(h, await offsetOf(h, '"_id":"h12"'), 8);
    const { recoverStore } = await import('../../../src/queue/store/store-recover.js');
    const r = await recoverStore(tmp.dir);
    expect(r.problems[0]).toMatchObject({ file: 'history.jsonl', offset: await offsetOf(join(tmp.dir, r.movedTo!, 'history.jsonl'), 'h12') });
    const s2 = await openStore(tmp.dir);
    expect([...s2.history.keys()]).toEqual(['c', 'h10', 'h11', 'h13', 'h14']);
    expect((await s2.readHistory(s2.history.get('h14')!)).data.msg).toBe('m14');
    await s2.close();
    expect((await readFile(h, 'utf8')).split('\n')[0]).toMatch(/"epoch":1/);
  });

  it('a damaged event record stops the start; recover keeps the readable events and their ids, so none is handed out twice', async () => {
    const e = join(tmp.dir, 'events.jsonl');
    const s = await openStore(tmp.dir);
    for (let i = 1; i <= 5; i++) s.addEvent('sms.queued', { n: i }, 'sms', '2026-01-01T00:00:00.000Z');
    await s.commit();
    await s.settled();
    await zeroBytes(e, await offsetOf(e, '"id":3'), 8);
    const err = await openError(tmp.dir);
    expect(err.message).toMatch(/events\.jsonl/);
    expect(err.details).toMatchObject({ file: 'events.jsonl', offset: await offsetOf(e, '\u0000') });
    const { recoverStore } = await import('../../../src/queue/store/store-recover.js');
    await recoverStore(tmp.dir);
    const s2 = await openStore(tmp.dir);
    expect(s2.eventBounds()).toEqual({ oldest: 1, newest: 5 });
    expect((await s2.scanEvents(0, undefined, 10)).events.map((ev) => ev.id)).toEqual([1, 2, 4, 5]);
    expect(s2.addEvent('sms.sent', {}, 'sms', '2026-01-01T00:00:01.000Z').id).toBe(6);
    await s2.commit();
    await s2.close();
  });
});
