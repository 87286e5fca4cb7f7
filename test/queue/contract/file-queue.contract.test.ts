import { FileQueue } from '../../../src/queue/file-queue.js';
import { FileStore } from '../../../src/queue/store/file-store.js';
import { makeTmpDir } from '../../helpers/tmp-dir.js';
import { describeQueueContract, type ContractQueueOptions } from './queue-contract.js';

/**
 * The file queue over a real FileStore in a temporary directory. A restart closes the
 * queue (which closes the store it owns) and opens both again over the same directory.
 * FileQueue.open rather than openFileQueue: only it takes the clock and the sweep interval.
 */
describeQueueContract('file queue', async ({ queues, clock, maxLiveTasks }: ContractQueueOptions) => {
  const tmp = await makeTmpDir('katar-contract-');
  const open = async (): Promise<FileQueue> => {
    const store = await FileStore.open(tmp.dir);
    try {
      return await FileQueue.open({ store, queues, clock, sweepIntervalMs: 0, ...(maxLiveTasks !== undefined && { maxLiveTasks }), owned: [() => store.close()] });
    } catch (err) {
      await store.close();
      throw err;
    }
  };
  let queue = await open();
  return {
    get queue() {
      return queue;
    },
    async restart() {
      await queue.close();
      queue = await open();
      return queue;
    },
    async dispose() {
      await queue.close();
      await tmp.cleanup();
    },
  };
});
