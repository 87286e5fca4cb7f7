import type { Logger } from '../log.js';
import type { SubscriptionProgress } from '../queue/sms-queue.js';

/**
 * How long a claim lasts unless renewed: a box that dies (or is cut off from the
 * database) has its subscriptions taken over by another box within this, plus one poll.
 */
export const DEFAULT_CLAIM_TTL_MS = 10_000;

export interface DeliveryClaimOptions {
  progress: SubscriptionProgress;
  /** The subscription (webhook name, `mqtt:<topicPrefix>`). */
  name: string;
  /** Who claims: the gateway id, unique in a fleet. */
  holder: string;
  ttlMs: number;
  logger: Logger;
  /** What is delivered, for the log: `webhook "crm"`, `MQTT events`. */
  what: string;
  /** Told when this box gains (true) or loses (false) the claim; never during stop(). */
  onChange: (held: boolean) => void;
}

/**
 * The right of this box to deliver one subscription, kept in the store (`claim`), so that
 * in a fleet each subscription is delivered by one box at a time. While held it is
 * renewed every ttl/3; while another box holds it, it is asked for every ttl/3, and taken
 * once that box stopped renewing (dead, cut off) and its claim ran out.
 *
 * This box counts its claim as lost a fifth of the ttl before the store would let another
 * box take it, measured from before the renewal was sent, on this process's monotonic
 * clock: the old holder has stopped before a new one can start, whatever the round trip
 * or a slow renewal. A renewal that fails (database away) keeps the claim until then.
 */
export class DeliveryClaim {
  readonly #o: DeliveryClaimOptions;
  #held = false;
  /** When this box stops counting the claim as held (performance.now()). */
  #validUntil = 0;
  #holder: string | undefined;
  #poll: NodeJS.Timeout | undefined;
  #lapse: NodeJS.Timeout | undefined;
  #trying: Promise<void> | undefined;
  #failing = false;
  #stopped = false;

  constructor(o: DeliveryClaimOptions) {
    this.#o = o;
  }

  /** How often the claim is renewed, or asked for while another box holds it. */
  get pollMs(): number {
    return Math.max(1, Math.floor(this.#o.ttlMs / 3));
  }

  /** Whether this box may deliver now. */
  get held(): boolean {
    return this.#held && performance.now() < this.#validUntil;
  }

  /** Who delivers, as last seen (this box's holder while held); undefined before the first answer. */
  get holder(): string | undefined {
    return this.held ? this.#o.holder : this.#holder;
  }

  /** The first attempt (rejects when the store cannot answer), then one every pollMs. */
  async start(): Promise<void> {
    this.#trying = this.#attempt(true);
    try {
      await this.#trying;
    } finally {
      this.#trying = undefined;
    }
    if (this.#stopped) return;
    this.#poll = setInterval(() => void this.#tick(), this.pollMs);
    this.#poll.unref();
  }

  /** Stops asking; gives the claim up when held (after the caller saved its cursor), so another box takes over at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#poll);
    clearTimeout(this.#lapse);
    await this.#trying?.catch(() => undefined);
    if (!this.#held) return;
    this.#held = false;
    try {
      await this.#o.progress.unclaim(this.#o.name, this.#o.holder);
      this.#o.logger.info({ holder: this.#o.holder }, `gave up delivering ${this.#o.what} (stopping): another box may take it over`);
    } catch (err) {
      this.#o.logger.warn({ err }, `the claim on ${this.#o.what} could not be given up; another box takes it over when it runs out`);
    }
  }

  #tick(): void {
    if (this.#trying || this.#stopped) return; // a slow answer: one attempt at a time
    this.#trying = this.#attempt(false).finally(() => (this.#trying = undefined));
  }

  async #attempt(first: boolean): Promise<void> {
    const { progress, name, holder, ttlMs } = this.#o;
    const sent = performance.now();
    let answer;
    try {
      answer = await progress.claim(name, holder, ttlMs);
    } catch (err) {
      if (first) throw err;
      if (!this.#failing) this.#o.logger.warn({ err }, `the claim on ${this.#o.what} could not be renewed or asked for; trying again`);
      this.#failing = true;
      return;
    }
    if (this.#failing) this.#o.logger.info(`the claim on ${this.#o.what} is answered again`);
    this.#failing = false;
    if (this.#stopped) {
      // Granted while stopping: stop() gives it up.
      this.#held = answer.granted;
      return;
    }
    const before = this.#holder;
    this.#holder = answer.holder;
    if (answer.granted) {
      // Held on until now, or a new tenure (after a lapse the loop must read the cursor again).
      const kept = this.held;
      // Counted as lost meanwhile (this process stalled past the claim's end, its timer not
      // run yet): said first, so that a new tenure always follows a loss.
      if (this.#held && !kept) this.#lose('not renewed in time');
      const until = sent + ttlMs - ttlMs / 5;
      if (until <= performance.now()) return; // an answer too slow to count on
      this.#validUntil = until;
      this.#armLapse();
      if (!kept) {
        this.#held = true;
        this.#o.logger.info({ holder, ...(before && before !== holder && { previous: before }) }, `delivering ${this.#o.what} from this box${before && before !== holder ? ` (taken over from ${before})` : ''}`);
        this.#o.onChange(true);
      }
    } else if (this.#held) {
      this.#lose(`now held by ${answer.holder || 'nobody'}`);
    }
  }

  /**
   * Ends the claim on this box when it was not renewed in time. A timer can fire before
   * performance.now() reaches its deadline (timers count from the event loop's cached
   * time, which lags when armed late in a busy turn), so an early one arms again.
   */
  #armLapse(): void {
    clearTimeout(this.#lapse);
    this.#lapse = setTimeout(() => {
      if (!this.#held || this.#stopped) return;
      if (performance.now() < this.#validUntil) this.#armLapse();
      else this.#lose('not renewed in time');
    }, Math.max(0, this.#validUntil - performance.now()) + 1);
    this.#lapse.unref();
  }

  #lose(why: string): void {
    this.#held = false;
    clearTimeout(this.#lapse);
    this.#o.logger.info({ holder: this.#o.holder }, `stopped delivering ${this.#o.what} from this box: ${why}`);
    this.#o.onChange(false);
  }
}
