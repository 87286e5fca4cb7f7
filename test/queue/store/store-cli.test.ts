import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/cli/args.js';
import type { CliIo } from '../../../src/cli/io.js';
import { store } from '../../../src/cli/store.js';
import { isKatarError } from '../../../src/errors.js';
import { lockDataDir } from '../../../src/queue/store/data-dir-lock.js';
import { FileStore } from '../../../src/queue/store/file-store.js';
import { makeTmpDir } from '../../helpers/tmp-dir.js';
import { task, zeroBytes } from './store-fixtures.js';

function io(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => void (out += t), err: (t) => void (err += t), env: {}, stdout: () => out, stderr: () => err };
}

describe('katar-sms store check | recover', () => {
  let tmp: Awaited<ReturnType<typeof makeTmpDir>>;
  beforeEach(async () => {
    tmp = await makeTmpDir();
    const s = await FileStore.open(tmp.dir);
    s.live.set('a', task('a', 1)); // the queue owns the live map; the checkpoint writes it
    s.putLive(task('a', 1));
    s.finish(task('b', 2, 'done'));
    await s.commit();
    s.finish(task('c', 3, 'done'));
    await s.commit();
    await s.close();
  });
  afterEach(async () => tmp.cleanup());

  it('check: exit 0 on a clean directory, 1 naming file and offset on a damaged one, and writes nothing', async () => {
    const ok = io();
    expect(await store(['check', '--data-dir', tmp.dir], ok)).toBe(0);
    expect(ok.stdout()).toMatch(/clean/);
    await zeroBytes(join(tmp.dir, 'history.jsonl'));
    const before = (await readdir(tmp.dir)).sort();
    const bad = io();
    expect(await store(['check', '--data-dir', tmp.dir, '--json'], bad)).toBe(1);
    const report = JSON.parse(bad.stdout()) as { ok: boolean; problems: Array<{ file: string; offset: number; lostRecords?: number }> };
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ file: 'history.jsonl', offset: 0, lostRecords: 2 });
    expect(bad.stderr()).toMatch(/store recover/);
    expect((await readdir(tmp.dir)).sort()).toEqual(before);
  });

  it('recover: moves the damaged file aside, reports the loss, and the store opens again', async () => {
    await zeroBytes(join(tmp.dir, 'history.jsonl'));
    const out = io();
    expect(await store(['recover', '--data-dir', tmp.dir], out)).toBe(0);
    expect(out.stdout()).toMatch(/history\.jsonl at byte 0/);
    expect(out.stdout()).toMatch(/moved history\.jsonl to .*damaged-/);
    const again = io();
    expect(await store(['check', '--data-dir', tmp.dir], again)).toBe(0);
    const s = await FileStore.open(tmp.dir);
    expect([...s.live.keys()]).toEqual(['a']);
    await s.close();
  });

  it('recover refuses while the gateway holds the directory; bad arguments are usage errors', async () => {
    const lock = await lockDataDir(tmp.dir);
    try {
      const err = await store(['recover', '--data-dir', tmp.dir], io()).catch((e: unknown) => e);
      expect(isKatarError(err, 'DATA_DIR_LOCKED')).toBe(true);
    } finally {
      await lock.release();
    }
    await expect(store(['fix', '--data-dir', tmp.dir], io())).rejects.toBeInstanceOf(UsageError);
    await expect(store(['check', '--data-dir', join(tmp.dir, 'nope')], io())).rejects.toBeInstanceOf(UsageError);
    await expect(store(['check', '--bogus'], io())).rejects.toBeInstanceOf(UsageError);
  });
});
