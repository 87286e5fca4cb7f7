import type { Logger } from '../log.js';
import type { EventLog, SubscriptionProgress } from '../queue/sms-queue.js';
import { DEFAULT_CLAIM_TTL_MS } from './delivery-claim.js';
import { retryDelayMs } from './delivery-backoff.js';

/* What a webhook subscription (webhook-subscription.ts) is built from, and its defaults. */

/** Events read from the log at a time: the most a subscription holds, whatever its backlog. */
export const BATCH_SIZE = 100;

/** The clocks and waits of a subscription; tests shorten them. */
export interface DeliveryTiming {
  /** The wait before retry `attempt` (1 after the first failure). */
  retryDelayMs: (attempt: number) => number;
  /** The cursor is saved at most this often (and at stop). */
  saveEveryMs: number;
  /** An idle subscription reads the log this often even without an 'event' (in case one was missed). */
  safetyPollMs: number;
  /** Wall clock (ms): timestamps, and the age of an event's first attempt. */
  now: () => number;
  /** How long this box's claim to deliver lasts unless renewed (delivery-claim.ts). */
  claimTtlMs: number;
}

export const DEFAULT_TIMING: DeliveryTiming = { retryDelayMs, saveEveryMs: 200, safetyPollMs: 30_000, now: Date.now, claimTtlMs: DEFAULT_CLAIM_TTL_MS };

/** What a subscription is given besides its config. */
export interface SubscriptionDeps {
  log: EventLog;
  progress: SubscriptionProgress;
  /** Who claims the delivery: the gateway id, unique in a fleet. */
  holder: string;
  logger: Logger;
  timing?: Partial<DeliveryTiming>;
}
