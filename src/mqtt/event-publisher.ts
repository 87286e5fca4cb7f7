import { Alarm } from '../events/alarm.js';
import { readClaimedCursor } from '../events/claimed-cursor.js';
import { CursorSaver } from '../events/cursor-saver.js';
import { DEFAULT_CLAIM_TTL_MS, DeliveryClaim } from '../events/delivery-claim.js';
import { isKatarError } from '../errors.js';
import type { Logger } from '../log.js';
import type { GatewayEvent } from '../queue/gateway-event.js';
import type { EventLog, SubscriptionProgress } from '../queue/sms-queue.js';

/** Publishes not yet acknowledged by the broker, at most: what the bridge holds whatever the backlog. */
export const EVENT_WINDOW = 100;

/** The waits of the publisher; tests shorten them. */
export interface PublisherTiming {
  saveEveryMs: number;
  /** An idle publisher reads the log this often even without an 'event'. */
  safetyPollMs: number;
  /** The wait before publishing again an event the broker refused (doubled per refusal, capped at 60 s). */
  refusedRetryMs: number;
  /** How long this box's claim to publish lasts unless renewed (delivery-claim.ts). */
  claimTtlMs: number;
}

const DEFAULT_TIMING: PublisherTiming = { saveEveryMs: 200, safetyPollMs: 30_000, refusedRetryMs: 1000, claimTtlMs: DEFAULT_CLAIM_TTL_MS };

export interface EventPublisherDeps {
  log: EventLog;
  progress: SubscriptionProgress;
  /** The durable cursor's and claim's name: reserved, no webhook can have it (webhook names have no `:`). */
  name: string;
  /** A cursor of an older name whose place this one takes: read at the first start, so an upgrade skips nothing. */
  legacyName?: string;
  /** Who claims the publishing: the gateway id, unique in a fleet. */
  holder: string;
  /** Publishes one event (QoS 1); resolves at the broker's PUBACK. */
  publish: (event: GatewayEvent) => Promise<void>;
  onOutcome: (ok: boolean) => void;
  logger: Logger;
  timing?: Partial<PublisherTiming>;
}

/**
 * Every event of the log to the broker, in id order, at least once: up to EVENT_WINDOW
 * publishes in flight; the durable cursor is the highest id up to which every publish
 * was acknowledged (PUBACK), saved in batches (CursorSaver). While the broker is away
 * the publishes in flight wait in the MQTT client (sent again on reconnect) and the rest
 * waits in the event log; after a restart the publisher starts after the cursor, so what
 * was in flight is published again. The first start begins after the newest event (as a
 * new webhook does): a new subscriber is not flooded with a week of history.
 *
 * In a fleet only the box holding the claim on `name` publishes (DeliveryClaim); the
 * others stand by and follow the stored cursor. A box that gains the claim goes on from
 * the stored cursor (or its own, if further); one that loses it publishes nothing new
 * (what it has in flight may still be acknowledged, or published again by the new
 * holder: at least once).
 */
export class EventPublisher {
  readonly #deps: EventPublisherDeps;
  readonly #timing: PublisherTiming;
  readonly #logger: Logger;
  readonly #wake = new Alarm();
  /** Rung when the claim is gained or at halt: what a box standing by waits for. */
  readonly #claimWake = new Alarm();
  readonly #claim: DeliveryClaim;
  /** The claim was (re)gained: the stored cursor is read again before the next publish. */
  #resume = false;
  /** Ids published and not yet acknowledged, in publish order, with whether each is done. */
  readonly #inFlight = new Map<number, boolean>();
  #saver: CursorSaver | undefined;
  #loop: Promise<void> | undefined;
  #halted = false;
  #cursor = 0;
  /** The last id read from the log (published, or passed). */
  #next = 0;
  #expired = 0;

  constructor(deps: EventPublisherDeps) {
    this.#deps = deps;
    this.#timing = { ...DEFAULT_TIMING, ...deps.timing };
    this.#logger = deps.logger;
    this.#claim = new DeliveryClaim({
      progress: deps.progress,
      name: deps.name,
      holder: deps.holder,
      ttlMs: this.#timing.claimTtlMs,
      logger: deps.logger,
      what: 'MQTT events',
      onChange: (held) => {
        if (held) this.#resume = true;
        this.#claimWake.ring();
        this.#wake.ring();
      },
    });
  }

  readonly #onEvent = (): void => this.#wake.ring();

  /** Loads the cursor and starts publishing (whether or not the broker is reachable). */
  async start(): Promise<void> {
    await this.#claim.start();
    await this.#refresh();
    this.#saver = new CursorSaver((c) => this.#deps.progress.saveCursor(this.#deps.name, c), this.#cursor, this.#timing.saveEveryMs, (err) => this.#logger.warn({ err }, 'MQTT event cursor not saved; trying again'));
    this.#deps.log.on('event', this.#onEvent);
    this.#loop = this.#run();
  }

  /** The last event id up to which the broker acknowledged everything. */
  get cursor(): number {
    return this.#cursor;
  }

  /** Events removed by retention before they were published, since start. */
  get expired(): number {
    return this.#expired;
  }

  /** Whether this box publishes the events (holds the claim) or another box of the fleet does. */
  get publishing(): boolean {
    return this.#claim.held;
  }

  /** Publishes nothing more (publishes in flight may still be acknowledged). */
  async halt(): Promise<void> {
    this.#halted = true;
    this.#deps.log.off('event', this.#onEvent);
    this.#wake.ring();
    this.#claimWake.ring();
    await this.#loop;
  }

  /** Saves the cursor as far as acknowledged, then gives the claim up; after halt() and the connection's end. */
  async close(): Promise<void> {
    await this.halt();
    await this.#saver?.close();
    await this.#claim.stop();
  }

  /**
   * Reads the stored cursor (kept when this box's own is further). The first start takes
   * over the legacy cursor, or begins after the newest event; the box holding the claim
   * saves it at once.
   */
  async #refresh(): Promise<void> {
    const { progress, name, legacyName, log } = this.#deps;
    const held = this.#claim.held;
    const resuming = this.#resume;
    const { cursor } = await readClaimedCursor({ progress, log, name, ...(legacyName !== undefined && { legacyName }), holding: held, own: this.#cursor, logger: this.#logger, what: 'MQTT events' });
    this.#cursor = cursor;
    this.#next = Math.max(this.#next, cursor);
    if (held && resuming) this.#resume = false;
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#halted) {
      try {
        if (!this.#claim.held) {
          // Another box publishes: follow its cursor until the claim comes to this one.
          await this.#claimWake.wait(this.#claim.pollMs);
          if (!this.#halted && !this.#claim.held) await this.#refresh();
        } else if (this.#resume) await this.#refresh();
        else await this.#step();
        failures = 0;
      } catch (err) {
        failures++;
        this.#logger.warn({ err }, 'reading the event log for MQTT failed; trying again');
        await this.#wake.wait(Math.min(60_000, 1000 * 2 ** Math.min(failures, 6)));
      }
    }
  }

  async #step(): Promise<void> {
    this.#wake.clear();
    const room = EVENT_WINDOW - this.#inFlight.size;
    if (room <= 0) return this.#wake.wait(this.#timing.safetyPollMs);
    let page;
    try {
      page = await this.#deps.log.read(this.#next, { limit: room });
    } catch (err) {
      if (!isKatarError(err, 'EVENTS_EXPIRED')) throw err;
      const oldest = typeof err.details?.oldest === 'number' ? err.details.oldest : this.#deps.log.bounds().oldest;
      if (oldest === undefined || oldest - 1 <= this.#next) throw err;
      const lost = oldest - 1 - this.#next;
      this.#expired += lost;
      this.#logger.warn({ after: this.#next, oldest, lost }, `MQTT fell behind the event log retention: up to ${lost} events were removed before they were published; going on from the oldest kept`);
      this.#next = oldest - 1;
      if (this.#inFlight.size === 0) this.#advance(this.#next);
      return;
    }
    if (this.#halted || !this.#claim.held || this.#resume) return;
    for (const event of page.events) this.#publish(event, 0);
    if (page.next > this.#next) {
      this.#next = page.next;
      if (this.#inFlight.size === 0) this.#advance(this.#next);
    }
    if (page.events.length === 0) await this.#wake.wait(this.#timing.safetyPollMs);
  }

  #publish(event: GatewayEvent, refusals: number): void {
    this.#inFlight.set(event.id, false);
    this.#deps.publish(event).then(
      () => {
        this.#deps.onOutcome(true);
        this.#acknowledged(event.id);
      },
      (err: unknown) => {
        if (this.#halted) return; // stopping: published again after the restart
        this.#deps.onOutcome(false);
        // The broker refused it (MQTT 5 reason code, e.g. not authorised): tried again
        // later, never skipped; the events after it go on meanwhile.
        if (refusals === 0) this.#logger.warn({ err, eventId: event.id, eventType: event.type }, 'the broker refused an MQTT event publish; trying again');
        const wait = Math.min(60_000, this.#timing.refusedRetryMs * 2 ** Math.min(refusals, 6));
        setTimeout(() => !this.#halted && this.#publish(event, refusals + 1), wait).unref();
      },
    );
  }

  #acknowledged(id: number): void {
    this.#inFlight.set(id, true);
    let upTo: number | undefined;
    for (const [pending, done] of this.#inFlight) {
      if (!done) break;
      upTo = pending;
      this.#inFlight.delete(pending);
    }
    if (upTo !== undefined) this.#advance(this.#inFlight.size === 0 ? Math.max(upTo, this.#next) : upTo);
    this.#wake.ring();
  }

  #advance(cursor: number): void {
    if (cursor <= this.#cursor) return;
    this.#cursor = cursor;
    this.#saver?.advance(cursor);
  }
}
