import { FileQueue } from './file-queue.js';
import type { QueueSettings } from './settings.js';
import { lockDataDir } from './store/data-dir-lock.js';
import { FileStore } from './store/file-store.js';

/** Where and how the file-backed queue keeps its data. */
export interface FileQueueConfig {
  dataDir: string;
  queues: Record<string, QueueSettings>;
  maxLiveTasks?: number;
  /** Free space kept for outcomes and received SMS: below it new sends are refused. */
  reserveBytes?: number;
  /** True for lease holders that are this gateway's own built-in workers. */
  isLocalWorker?: (worker: string) => boolean;
  /** Store warnings (a failed checkpoint, a reload), for the log. */
  onWarning?: (msg: string, details: Record<string, unknown>) => void;
}

/**
 * Opens the embedded queue: locks the data dir (one process per dir), loads the store
 * and recovers what a crash left. The queue owns both: its `close` closes the store and
 * then releases the lock.
 */
export async function openFileQueue(c: FileQueueConfig): Promise<FileQueue> {
  const lock = await lockDataDir(c.dataDir);
  let store: FileStore | undefined;
  try {
    store = await FileStore.open(c.dataDir, { ...(c.reserveBytes !== undefined && { reserveBytes: c.reserveBytes }), ...(c.onWarning && { onWarning: c.onWarning }) });
    const opened = store;
    return await FileQueue.open({
      store,
      queues: c.queues,
      ...(c.maxLiveTasks !== undefined && { maxLiveTasks: c.maxLiveTasks }),
      ...(c.isLocalWorker && { isLocalWorker: c.isLocalWorker }),
      owned: [() => opened.close(), () => lock.release()],
    });
  } catch (err) {
    await store?.close().catch(() => undefined);
    await lock.release();
    throw err;
  }
}
