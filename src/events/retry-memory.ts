import type { Logger } from '../log.js';
import type { SubscriptionProgress } from '../queue/sms-queue.js';

/** Where a retried event stands when this box starts on it: the attempts made before, and since when. */
export interface EarlierAttempts {
  attempts: number;
  /** Wall ms of the first attempt (now, when there were none). */
  sinceMs: number;
}

/**
 * The failed attempts of the event a webhook is retrying, kept in the store so that a
 * restart, or another box of a fleet taking over, goes on counting towards maxAttempts
 * and maxAgeMs: a gateway that restarts more often than the backoff grows would otherwise
 * retry a refused event for ever. Nothing is read or written while deliveries succeed:
 * the store is asked at an event's first failure here, written after each failure, and
 * cleared once that event is delivered or dead-lettered. A store that cannot answer only
 * means counting from here (logged at debug).
 */
export class RetryMemory {
  /** Whether the store may hold a retry of this subscription (so that it is cleared). */
  #stored = true;

  constructor(
    private readonly progress: SubscriptionProgress,
    private readonly name: string,
    private readonly logger: Logger,
  ) {}

  /** Another box may have written a retry while this one stood by (a takeover): it is cleared at the next settle. */
  mayHold(): void {
    this.#stored = true;
  }

  /**
   * The attempts made at `eventId` before this box's first one (at `nowMs`), by this box
   * before a restart or by another; undefined when the store cannot say now (asked again
   * at the next failure, and nothing is written over what it keeps meanwhile).
   */
  async before(eventId: number, nowMs: number): Promise<EarlierAttempts | undefined> {
    let r;
    try {
      r = await this.progress.loadRetry(this.name);
    } catch (err) {
      this.logger.debug({ err }, 'the earlier attempts of this event could not be read; asked again at the next failure');
      return undefined;
    }
    this.#stored = r !== undefined;
    // A retry of an older event: that one was settled by a box that did not clear it.
    if (r && r.eventId === eventId) return { attempts: r.attempts, sinceMs: Math.min(r.sinceMs, nowMs) };
    return { attempts: 0, sinceMs: nowMs };
  }

  /** `attempts` at `eventId` have failed so far, the first at `sinceMs`. */
  async failed(eventId: number, attempts: number, sinceMs: number): Promise<void> {
    try {
      await this.progress.saveRetry(this.name, { eventId, attempts, sinceMs });
      this.#stored = true;
    } catch (err) {
      this.logger.debug({ err }, 'the attempts of this event could not be saved; a restart counts them afresh');
    }
  }

  /** The event is settled (delivered or dead-lettered): nothing is being retried. */
  async settled(): Promise<void> {
    if (!this.#stored) return;
    try {
      await this.progress.saveRetry(this.name, undefined);
      this.#stored = false;
    } catch (err) {
      this.logger.debug({ err }, 'the settled retry could not be cleared; the next failure replaces it');
    }
  }
}
