import { describe, inject, it } from 'vitest';
import type { PgQueue } from '../../../src/queue/postgres/pg-queue.js';
import { openBox } from '../../helpers/pg-box.js';
import { freshDatabase } from '../../helpers/postgres.js';
import { describeQueueContract, type ContractQueueOptions } from './queue-contract.js';

/**
 * The PostgreSQL queue over a fresh database of the run's throwaway cluster
 * (test/setup/postgres.ts), with the suite's TestClock as its clock (in production the
 * database's, db-clock.ts). A restart closes the queue and its pool and opens both again
 * over the same database; dispose drops the database.
 */
const provided = inject('postgres');

if (!provided.url) {
  describe.skip(`SmsQueue contract: postgres queue (${provided.reason ?? 'no PostgreSQL'})`, () => {
    it('needs PostgreSQL', () => undefined);
  });
} else {
  const baseUrl = provided.url;
  describeQueueContract('postgres queue', async ({ queues, clock, maxLiveTasks }: ContractQueueOptions) => {
    const database = await freshDatabase(baseUrl);
    const open = (): Promise<PgQueue> => openBox(database.url, { queues, clock, over: maxLiveTasks !== undefined ? { maxLiveTasks } : {} });
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
        await database.drop();
      },
    };
  });
}
