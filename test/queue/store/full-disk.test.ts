import { mkdir, open, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKatarError } from '../../../src/errors.js';
import { FileStore } from '../../../src/queue/store/file-store.js';
import { smallDisk, smallDiskUnavailable, type SmallDisk } from '../../helpers/small-disk.js';
import { task } from './store-fixtures.js';

const why = smallDiskUnavailable;

describe.skipIf(why !== undefined)(`a full disk (real 2 MiB tmpfs)${why ? ` - skipped: ${why}` : ''}`, () => {
  let mnt: SmallDisk;
  let n = 0;
  const freshDir = async (): Promise<string> => {
    const d = join(mnt.dir, `store-${++n}`);
    await mkdir(d);
    return d;
  };
  beforeAll(async () => {
    mnt = await smallDisk(2 * 1024 * 1024);
  });
  afterAll(async () => mnt?.close());

  it('rejects the commit, rolls the state back, and becomes writable by itself when space returns', async () => {
    const dir = await freshDir();
    const s = await FileStore.open(dir, { reserveBytes: 64 * 1024, probeIntervalMs: 3_600_000 });
    const states: boolean[] = [];
    s.onStateChange((h) => states.push(h.writable));
    let reloads = 0;
    s.onReload(() => reloads++);
    s.live.set('a', task('a', 1));
    s.putLive(task('a', 1));
    await s.commit();
    expect(s.health()).toMatchObject({ writable: true });

    await mnt.fill();
    const big = task('b', 2);
    big.data.msg = 'x'.repeat(200_000); // more than the page cache slack left on the fs
    s.live.set('b', big);
    s.putLive(big);
    const err = await s.commit().catch((e: unknown) => e);
    expect(isKatarError(err, 'STORAGE_FULL')).toBe(true);
    expect(s.health()).toMatchObject({ writable: false, acceptingNew: false });
    expect(() => s.assertAcceptingNew()).toThrow(/cannot write/);
    // Refused at once while unwritable, and discarded.
    s.live.set('c', task('c', 3));
    s.putLive(task('c', 3));
    expect(isKatarError(await s.commit().catch((e: unknown) => e), 'STORAGE_FULL')).toBe(true);
    await expect.poll(() => reloads).toBeGreaterThan(0);
    expect([...s.live.keys()]).toEqual(['a']);

    // Still full: a probe fails and the store stays unwritable.
    expect(await s.disk.probe()).toBe(false);
    await mnt.free();
    expect(await s.disk.probe()).toBe(true);
    expect(s.health()).toMatchObject({ writable: true, acceptingNew: true });
    expect(states).toEqual([false, true]);
    expect(s.live.has('c')).toBe(false);
    s.live.set('d', task('d', 4));
    s.putLive(task('d', 4));
    await s.commit();
    await s.close();
    const s2 = await FileStore.open(dir);
    expect([...s2.live.keys()].sort()).toEqual(['a', 'd']);
    await s2.close();
  });

  it('refuses new tasks below the free-space reserve while reports still write', async () => {
    const dir = await freshDir();
    const s = await FileStore.open(dir, { reserveBytes: 1024 * 1024 });
    const filler = join(mnt.dir, 'filler2');
    const h = await open(filler, 'w');
    await h.write(Buffer.alloc(1200 * 1024, 1));
    await h.close();
    await s.disk.refresh();
    expect(s.health()).toMatchObject({ writable: true, acceptingNew: false });
    expect(() => s.assertAcceptingNew()).toThrow(/below the reserve/);
    s.live.set('a', task('a', 1));
    s.putLive(task('a', 1));
    await s.commit(); // still written: only new tasks are refused
    await unlink(filler);
    await s.close();
  });

  it('closes promptly while full and applies nothing that was not acknowledged', async () => {
    const dir = await freshDir();
    const s = await FileStore.open(dir, { reserveBytes: 0, probeIntervalMs: 3_600_000 });
    s.live.set('a', task('a', 1));
    s.putLive(task('a', 1));
    await s.commit();
    await mnt.fill();
    const big = task('b', 2);
    big.data.msg = 'x'.repeat(200_000);
    s.live.set('b', big);
    s.putLive(big);
    await s.commit().catch(() => undefined);
    s.live.set('c', task('c', 3));
    s.putLive(task('c', 3)); // never committed: a SIGTERM now must not write it
    await s.close();
    await mnt.free();
    const s2 = await FileStore.open(dir);
    expect([...s2.live.keys()]).toEqual(['a']);
    await s2.close();
    await rm(dir, { recursive: true });
  });

  it('a checkpoint that fails for lack of space leaves the old checkpoint and journals valid', async () => {
    const dir = await freshDir();
    const s = await FileStore.open(dir, { reserveBytes: 0, probeIntervalMs: 3_600_000 });
    for (let i = 1; i <= 50; i++) {
      const t = task(`t${i}`, i);
      t.data.msg = 'y'.repeat(2000);
      s.live.set(t._id, t);
      s.putLive(t);
    }
    await s.commit();
    await mnt.fill();
    await expect(s.checkpoint()).rejects.toThrow();
    await mnt.free();
    if (!s.health().writable) await s.disk.probe();
    const s2 = await FileStore.open(dir);
    expect(s2.live.size).toBe(50);
    await s2.close();
    await s.close();
  });
});
