import { afterEach, describe, expect, it } from 'vitest';
import { isKatarError } from '../../src/errors.js';
import { FileQueue } from '../../src/queue/file-queue.js';
import { FileStore } from '../../src/queue/store/file-store.js';
import { testSettings } from '../helpers/queue-fixture.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const sms = (to: string) => ({ data: { to, msg: 'hi' }, parts: 1 });

describe('the live-task limit', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('refuses sends beyond maxLiveTasks with QUEUE_FULL, a batch as a whole, and takes more once tasks finish', async () => {
    const tmp = await makeTmpDir();
    const store = await FileStore.open(tmp.dir);
    const q = await FileQueue.open({ store, queues: { sms: testSettings() }, sweepIntervalMs: 0, maxLiveTasks: 3 });
    cleanups.push(tmp.cleanup, () => store.close(), async () => q.close());
    await q.add('sms', [sms('+1'), sms('+2')]);
    const batch = await q.add('sms', [sms('+3'), sms('+4')]).catch((e: unknown) => e);
    expect(isKatarError(batch, 'QUEUE_FULL')).toBe(true);
    expect((batch as Error).message).toMatch(/maxLiveTasks/);
    expect(store.live.size).toBe(2);
    await q.add('sms', [sms('+3')]);
    expect(isKatarError(await q.add('sms', [sms('+4')]).catch((e: unknown) => e), 'QUEUE_FULL')).toBe(true);
    const [t] = await q.lease('sms', 'w', 1);
    await q.report('sms', 'w', [{ _id: t!._id, status: 'done' }]);
    await q.add('sms', [sms('+4')]);
    expect(q.counts('sms')).toMatchObject({ queued: 3, done: 1 });
  });

  it('looks queue names up in a map: Object.prototype members are unknown queues', async () => {
    const tmp = await makeTmpDir();
    const store = await FileStore.open(tmp.dir);
    const q = await FileQueue.open({ store, queues: { sms: testSettings() }, sweepIntervalMs: 0 });
    cleanups.push(tmp.cleanup, () => store.close(), async () => q.close());
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(() => q.settings(name)).toThrow(/not found/);
      expect(isKatarError(await q.add(name, [sms('+1')]).catch((e: unknown) => e), 'QUEUE_NOT_FOUND')).toBe(true);
      expect(isKatarError(await q.lease(name, 'w', 1).catch((e: unknown) => e), 'QUEUE_NOT_FOUND')).toBe(true);
    }
    expect(store.live.size).toBe(0);
  });
});
