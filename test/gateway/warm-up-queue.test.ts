import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { gatewayParts } from '../../src/gateway/gateway-parts.js';
import { warmQueuePath } from '../../src/gateway/warm-up-queue.js';
import { openFileQueue } from '../../src/queue/open-file-queue.js';
import type { FileQueue } from '../../src/queue/file-queue.js';
import { loadStore } from '../../src/queue/store/store-loader.js';

describe('the queue warm-up', () => {
  const cleanups: Array<() => Promise<void>> = [];
  const savedTmp = process.env.TMPDIR;
  afterEach(async () => {
    process.env.TMPDIR = savedTmp;
    if (savedTmp === undefined) delete process.env.TMPDIR;
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('runs an SMS through a scratch queue and leaves nothing: not in the gateway data dir, not in the temporary directory', async () => {
    const root = await mkdtemp(join(tmpdir(), 'katar-test-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const scratchTmp = join(root, 'tmp');
    const dataDir = join(root, 'data');
    const config = parseConfig({});
    const queue: FileQueue = await openFileQueue({ dataDir, queues: config.queues });
    cleanups.push(() => queue.close());
    const parts = gatewayParts(queue, { maxParts: config.maxParts }, 'gw');
    const name = queue.queueNames[0]!;
    const { mkdir } = await import('node:fs/promises');
    await mkdir(scratchTmp);
    process.env.TMPDIR = scratchTmp;
    const seen: string[] = [];
    queue.on('status', (t) => seen.push(t._id));

    await warmQueuePath(parts.intake, name, config.queues[name]!, 'gw', (w) => w.startsWith('builtin:gw:'));

    expect(await readdir(scratchTmp)).toEqual([]);
    expect(seen).toEqual([]);
    expect((await queue.listTasks(name, { limit: 10 })).items).toEqual([]);
    expect((await queue.events.read(0, { limit: 10 })).events).toEqual([]);
    expect(queue.store.history.size).toBe(0);
    // The gateway's queue still works as before, and its data dir loads with nothing in it.
    const [r] = await parts.intake.submit(name, [{ to: '+61404341143', msg: 'after the warm-up' }]);
    expect(r?.created).toBe(true);
    expect(r?.task.seq).toBe(1);
    await queue.close();
    const { state } = await loadStore(dataDir, { mode: 'strict' });
    expect([...state.live.values()].map((t) => t.data.msg)).toEqual(['after the warm-up']);
  });
});
