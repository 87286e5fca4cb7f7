/**
 * The contract of SmsQueue (src/queue/sms-queue.ts) as tests: every implementation runs
 * `describeQueueContract` with a factory of its own and must pass it unchanged. The
 * tests use the SmsQueue interface only; time is a TestClock the factory hands to the
 * queue, so leases, backoffs and schedules move only when a test moves them, and the
 * queue never sweeps by itself (the tests call `sweep()`).
 */
import { afterEach, describe } from 'vitest';
import { TestClock } from '../../helpers/test-clock.js';
import { START, contractQueues, type ContractEnv, type ContractFactory, type ContractSubject, type OpenQueue } from './contract-kit.js';
import { deliveryContract } from './contract-deliveries.js';
import { durabilityContract } from './contract-durability.js';
import { eventContract } from './contract-events.js';
import { leaseContract } from './contract-leases.js';
import { listingContract } from './contract-listings.js';
import { listingFilterContract } from './contract-listing-filters.js';
import { orderContract } from './contract-order.js';
import { outcomeContract } from './contract-outcomes.js';
import { producerContract } from './contract-producer.js';
import { routingContract } from './contract-routing.js';

export type { ContractFactory, ContractQueueOptions, ContractSubject } from './contract-kit.js';

/** Declares the contract suite for the queue implementation `name`, built by `factory`. */
export function describeQueueContract(name: string, factory: ContractFactory): void {
  describe(`SmsQueue contract: ${name}`, () => {
    const opened: ContractSubject[] = [];
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.dispose();
    });

    const open: OpenQueue = async (o = {}) => {
      const clock = new TestClock(START);
      const subject = await factory({ queues: contractQueues(o.sms), clock, ...(o.maxLiveTasks !== undefined && { maxLiveTasks: o.maxLiveTasks }) });
      opened.push(subject);
      const env: ContractEnv = {
        get q() {
          return subject.queue;
        },
        clock,
        restart: () => subject.restart(),
      };
      return env;
    };

    orderContract(open);
    leaseContract(open);
    outcomeContract(open);
    producerContract(open);
    listingContract(open);
    listingFilterContract(open);
    deliveryContract(open);
    eventContract(open);
    durabilityContract(open);
    routingContract(open);
  });
}
