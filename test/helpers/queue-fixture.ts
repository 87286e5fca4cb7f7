import { FileQueue } from '../../src/queue/file-queue.js';
import type { QueueSettings } from '../../src/queue/settings.js';
import { FileStore } from '../../src/queue/store/file-store.js';
import { makeTmpDir } from './tmp-dir.js';

/** Queue settings for tests: short lease, three attempts, 1 s backoff doubling. */
export function testSettings(over: Partial<QueueSettings> = {}): QueueSettings {
  return {
    pollingIntervalMs: 30_000,
    leaseMs: 60_000,
    maxAttempts: 3,
    retry: { initialDelayMs: 1000, factor: 2, maxDelayMs: 60_000 },
    resendOnUnknownOutcome: false,
    ...over,
  };
}

/** A queue service over a real file store in a temporary directory. */
export async function openQueue(over: Partial<QueueSettings> = {}, dir?: string): Promise<{ q: FileQueue; dir: string; reopen: () => Promise<FileQueue>; close: () => Promise<void> }> {
  const tmp = dir ? { dir, cleanup: async () => undefined } : await makeTmpDir();
  let store = await FileStore.open(tmp.dir);
  let q = await FileQueue.open({ store, queues: { sms: testSettings(over) }, sweepIntervalMs: 0 });
  return {
    q,
    dir: tmp.dir,
    async reopen() {
      q.close();
      await store.close();
      store = await FileStore.open(tmp.dir);
      q = await FileQueue.open({ store, queues: { sms: testSettings(over) }, sweepIntervalMs: 0 });
      return q;
    },
    async close() {
      q.close();
      await store.close();
      await tmp.cleanup();
    },
  };
}
