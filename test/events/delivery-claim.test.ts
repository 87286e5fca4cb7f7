/**
 * The claim's own clock: a box that cannot renew (database away) stops counting its claim
 * as held, and says so, even when its lapse timer fires before performance.now() reaches
 * the deadline (timers count from the event loop's cached time, which lags in a busy turn).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeliveryClaim } from '../../src/events/delivery-claim.js';
import type { ClaimAnswer, SubscriptionProgress } from '../../src/queue/sms-queue.js';
import { captureLogger } from '../helpers/memory-event-log.js';
import { until } from '../helpers/modem-harness.js';

const TTL_MS = 300;

/** A store that grants the first claim, then never answers again (cut off) until `fail` ends the attempts in flight. */
function cutOffAfterFirstGrant(): { progress: SubscriptionProgress; fail: () => void } {
  let asked = 0;
  const pending: Array<(err: Error) => void> = [];
  const progress = {
    claim: (_name: string, holder: string): Promise<ClaimAnswer> =>
      asked++ === 0 ? Promise.resolve({ granted: true, holder }) : new Promise<ClaimAnswer>((_resolve, reject) => pending.push(reject)),
    unclaim: () => Promise.resolve(),
  } as unknown as SubscriptionProgress;
  return { progress, fail: () => pending.splice(0).forEach((reject) => reject(new Error('connection terminated'))) };
}

afterEach(() => vi.restoreAllMocks());

describe('DeliveryClaim', () => {
  it('counts a claim it cannot renew as lost, and logs it, when the lapse timer fires early', async () => {
    const changes: boolean[] = [];
    const { logger, lines } = captureLogger();
    const store = cutOffAfterFirstGrant();
    const claim = new DeliveryClaim({ progress: store.progress, name: 'crm', holder: 'box-a', ttlMs: TTL_MS, logger, what: 'webhook "crm"', onChange: (held) => changes.push(held) });
    const real = performance.now.bind(performance);
    try {
      await claim.start();
      expect(claim.held).toBe(true);
      // From here this process's clock reads 50 ms behind the timers: the first lapse timer is early.
      vi.spyOn(performance, 'now').mockImplementation(() => real() - 50);
      await until(() => changes.length > 1, 3000, 'the claim lapses');
      expect(changes).toEqual([true, false]);
      expect(claim.held).toBe(false);
      expect(lines.some((l) => l.includes('stopped delivering webhook \\"crm\\" from this box: not renewed in time'))).toBe(true);
    } finally {
      store.fail();
      await claim.stop();
    }
  });

  it('holds on while renewals are granted', async () => {
    const changes: boolean[] = [];
    const { logger } = captureLogger();
    const progress = { claim: (_n: string, holder: string) => Promise.resolve({ granted: true, holder }), unclaim: () => Promise.resolve() } as unknown as SubscriptionProgress;
    // Long enough that a busy machine's stalls stay well inside the claim's validity.
    const ttlMs = 3000;
    const claim = new DeliveryClaim({ progress, name: 'crm', holder: 'box-a', ttlMs, logger, what: 'webhook "crm"', onChange: (held) => changes.push(held) });
    try {
      await claim.start();
      await new Promise((r) => setTimeout(r, ttlMs));
      expect(claim.held).toBe(true);
      expect(changes).toEqual([true]);
    } finally {
      await claim.stop();
    }
  });
});
