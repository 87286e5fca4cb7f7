import type { WebhookConfig } from '../config.js';
import { isKatarError, KatarError } from '../errors.js';
import type { Logger } from '../log.js';
import type { EventPage, EventType, GatewayEvent } from '../queue/gateway-event.js';
import type { DeadLetter, EventLog, SubscriptionProgress } from '../queue/sms-queue.js';
import { Alarm } from './alarm.js';
import { readClaimedCursor } from './claimed-cursor.js';
import { CursorSaver } from './cursor-saver.js';
import { DeliveryClaim } from './delivery-claim.js';
import { RetryMemory } from './retry-memory.js';
import { BATCH_SIZE, DEFAULT_TIMING, type DeliveryTiming, type SubscriptionDeps } from './subscription-options.js';
import { postOnce, type PostOutcome } from './webhook-post.js';
import { signedRequest, type OutgoingEvent } from './webhook-signature.js';
import { shownUrl, type WebhookState, type WebhookTestResult } from './webhook-state.js';

export { BATCH_SIZE, DEFAULT_TIMING, type DeliveryTiming, type SubscriptionDeps } from './subscription-options.js';

/** How one event's delivery ended: `lost` when this box lost its claim first. */
type Outcome = 'delivered' | 'dead' | 'stopped' | 'lost';

/**
 * One webhook subscription's delivery loop: the events of its types, strictly in id
 * order, one POST at a time, each retried with backoff until delivered or given up as a
 * dead letter; then the next. Nothing it does waits on another subscription.
 *
 * - Start: it resumes after the durable cursor. A subscription never seen before starts
 *   after the log's newest event at its first start (that cursor is saved at once): it
 *   gets what happens from then on, not the whole past (which may be a week of events a
 *   new receiver never asked for). The pull API serves the past.
 * - Memory: the log is read BATCH_SIZE events at a time, the next page only once the
 *   current one is done, so a dead endpoint with any backlog holds one page.
 * - Durability: the cursor is saved in batches (CursorSaver), so after a crash the last
 *   events may be delivered again: at-least-once, receivers dedupe by event id. The
 *   attempts and age of an event that fails are kept in the store (retry-memory.ts), so a
 *   restart or a takeover goes on counting.
 * - Waiting: it sleeps until the log emits an event of its types (or a slow safety poll).
 * - Redelivery: dead letters asked for are sent before any newer event, after the one in
 *   flight, with the full retry policy again; they carry their old ids, so a receiver
 *   sees ids out of order then. Asking for a redelivery also cuts the current backoff
 *   short (the receiver is presumably fixed). A letter stays stored until it has been
 *   delivered (then it is removed) or given up again (then it is replaced with the new
 *   attempts and reason): a stop or a crash before that keeps it as a dead letter.
 * - Stop: requests in flight are aborted (and sent again after the restart), the cursor
 *   is saved, then the claim given up.
 * - Fleet: only the box holding the subscription's claim (DeliveryClaim) delivers new
 *   events; the others stand by, asking for the claim and following the stored cursor
 *   and dead letters for `state()`. A box that gains the claim resumes from the stored
 *   cursor (or its own, if further); one that loses it aborts the request in flight and
 *   stands by. Redeliveries and tests are sent by the box that was asked, holding the
 *   claim or not: they are out of order by design.
 */
export class WebhookSubscription {
  readonly name: string;
  readonly #cfg: WebhookConfig;
  readonly #types: ReadonlySet<EventType>;
  readonly #log: EventLog;
  readonly #progress: SubscriptionProgress;
  readonly #retries: RetryMemory;
  readonly #logger: Logger;
  readonly #timing: DeliveryTiming;
  readonly #newWork = new Alarm();
  readonly #backoff = new Alarm();
  /** Rung when the claim is gained, a redelivery is asked for, or at stop: what a box standing by waits for. */
  readonly #claimWake = new Alarm();
  readonly #claim: DeliveryClaim;
  readonly #abort = new AbortController();
  /** Aborted when the claim is lost (or at stop): the requests of new events, which only the holder sends. */
  #tenure = new AbortController();
  /** The claim was (re)gained: the stored progress is read again before the next event. */
  #resume = false;
  readonly #redeliveries: DeadLetter[] = [];
  /** Redeliveries and tests under way: stop waits for them. */
  readonly #side = new Set<Promise<unknown>>();
  #saver: CursorSaver | undefined;
  #starting: Promise<void> | undefined;
  #loop: Promise<void> | undefined;
  #stopped: Promise<void> | undefined;
  #cursor = 0;
  /** The counters of state(). */
  readonly #n: Pick<WebhookState, 'attempts' | 'deadLetters' | 'delivered' | 'failedAttempts' | 'expired' | 'lastSuccessAt' | 'lastError' | 'lastErrorAt'> = {
    attempts: 0, deadLetters: 0, delivered: 0, failedAttempts: 0, expired: 0, lastSuccessAt: null, lastError: null, lastErrorAt: null,
  };

  constructor(config: WebhookConfig, deps: SubscriptionDeps) {
    this.name = config.name;
    this.#cfg = config;
    this.#types = new Set(config.events);
    this.#log = deps.log;
    this.#progress = deps.progress;
    this.#logger = deps.logger.child({ webhook: config.name });
    this.#retries = new RetryMemory(deps.progress, config.name, this.#logger);
    this.#timing = { ...DEFAULT_TIMING, ...deps.timing };
    this.#claim = new DeliveryClaim({
      progress: deps.progress,
      name: config.name,
      holder: deps.holder,
      ttlMs: this.#timing.claimTtlMs,
      logger: this.#logger,
      what: `webhook "${config.name}"`,
      onChange: (held) => this.#claimChanged(held),
    });
  }

  /** Loads the durable progress and starts the loop; resolves once it runs. */
  start(): Promise<void> {
    this.#starting ??= this.#open();
    return this.#starting;
  }

  /** An event was appended to the log: wakes the loop when it is of this subscription's types. */
  wake(type: EventType): void {
    if (this.#types.has(type)) this.#newWork.ring();
  }

  state(): WebhookState {
    return {
      name: this.name,
      url: shownUrl(this.#cfg.url),
      events: [...this.#cfg.events],
      cursor: this.#cursor,
      backlog: Math.max(0, this.#log.bounds().newest - this.#cursor),
      redeliveries: this.#redeliveries.length,
      ...this.#n,
      claim: this.#claim.held ? 'held' : 'standby',
      deliveredBy: this.#claim.holder || null,
    };
  }

  /** Queues the dead letters with these event ids (all when omitted) for delivery; resolves to how many were newly queued. */
  redeliver(ids?: readonly number[]): Promise<number> {
    return this.#track(this.#takeBack(ids));
  }

  /** POSTs a synthetic `webhook.test` event (id 0) once, outside the order of real events. */
  sendTest(): Promise<WebhookTestResult> {
    return this.#track(this.#test());
  }

  /** Aborts requests in flight, ends the loop, saves the cursor (untried redeliveries stay dead letters). */
  stop(): Promise<void> {
    this.#stopped ??= this.#close();
    return this.#stopped;
  }

  get #stopping(): boolean {
    return this.#abort.signal.aborted;
  }

  async #open(): Promise<void> {
    await this.#claim.start();
    await this.#refresh();
    this.#saver = new CursorSaver((c) => this.#progress.saveCursor(this.name, c), this.#cursor, this.#timing.saveEveryMs, (err) => {
      this.#logger.warn({ err }, 'webhook cursor not saved; trying again');
    });
    if (!this.#stopping) this.#loop = this.#run();
  }

  async #close(): Promise<void> {
    this.#abort.abort();
    this.#tenure.abort();
    this.#newWork.ring();
    this.#backoff.ring();
    this.#claimWake.ring();
    await this.#starting?.catch(() => undefined);
    await this.#loop;
    await Promise.allSettled([...this.#side]);
    this.#redeliveries.splice(0);
    // The cursor first: the box that takes over starts from it.
    await this.#saver?.close();
    await this.#claim.stop();
  }

  #claimChanged(held: boolean): void {
    if (held) {
      this.#resume = true;
      this.#retries.mayHold();
      this.#tenure = new AbortController();
      this.#claimWake.ring();
    } else {
      this.#tenure.abort();
      this.#newWork.ring();
      this.#backoff.ring();
    }
  }

  /** Whether this box may deliver new events now: it holds the claim and has read the progress since gaining it. */
  get #mayDeliver(): boolean {
    return this.#claim.held && !this.#resume;
  }

  /**
   * Reads the stored progress: the cursor (kept when this box's own is further) and the
   * dead-letter count. A subscription never seen before starts after the newest event,
   * saved at once by the box holding the claim.
   */
  async #refresh(): Promise<void> {
    const held = this.#claim.held;
    const resuming = this.#resume;
    const stored = await readClaimedCursor({ progress: this.#progress, log: this.#log, name: this.name, holding: held, own: this.#cursor, logger: this.#logger, what: `webhook "${this.name}"` });
    this.#cursor = stored.cursor;
    this.#n.deadLetters = stored.deadLetters;
    if (held && resuming) this.#resume = false;
  }

  /** Another box delivers: sends what was asked of this box, waits for the claim, follows the stored progress. */
  async #standby(): Promise<void> {
    if (!(await this.#sendRedeliveries())) return;
    await this.#claimWake.wait(this.#claim.pollMs);
    if (!this.#stopping && !this.#claim.held) await this.#refresh();
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopping) {
      try {
        if (!this.#claim.held) await this.#standby();
        else if (this.#resume) await this.#refresh();
        else await this.#step();
        failures = 0;
      } catch (err) {
        failures++;
        this.#logger.warn({ err }, 'webhook delivery loop failed (event log unreadable?); trying again');
        await this.#backoff.wait(this.#timing.retryDelayMs(failures));
      }
    }
  }

  /** One round: redeliveries, then one page of new events, or a wait for some. */
  async #step(): Promise<void> {
    if (!(await this.#sendRedeliveries())) return;
    this.#newWork.clear();
    const page = await this.#read();
    if (!page) return;
    for (const event of page.events) {
      if (!(await this.#sendRedeliveries())) return;
      const outcome = await this.#deliver(event, true);
      if (outcome === 'stopped' || outcome === 'lost') return;
      this.#advance(event.id);
    }
    if (!this.#mayDeliver) return;
    // `next` also passes events of other types the read looked at.
    if (page.next > this.#cursor) this.#advance(page.next);
    else if (page.events.length === 0) await this.#newWork.wait(this.#timing.safetyPollMs);
  }

  /** The next page after the cursor; undefined after skipping events retention removed. */
  async #read(): Promise<EventPage | undefined> {
    try {
      return await this.#log.read(this.#cursor, { types: this.#cfg.events, limit: BATCH_SIZE });
    } catch (err) {
      if (!isKatarError(err, 'EVENTS_EXPIRED')) throw err;
      const oldest = typeof err.details?.oldest === 'number' ? err.details.oldest : this.#log.bounds().oldest;
      if (oldest === undefined || oldest - 1 <= this.#cursor) throw err;
      this.#logger.warn({ cursor: this.#cursor, oldest }, 'webhook fell behind the event log retention: the removed events are skipped');
      this.#n.expired += oldest - 1 - this.#cursor;
      this.#advance(oldest - 1);
      return undefined;
    }
  }

  /** Sends the queued redeliveries, oldest first; false once stopping (the one in flight stays a dead letter). */
  async #sendRedeliveries(): Promise<boolean> {
    for (let letter = this.#redeliveries[0]; letter && !this.#stopping; letter = this.#redeliveries[0]) {
      const outcome = await this.#deliver(letter.event, false);
      if (outcome === 'stopped') return false;
      // Given up again: #bury replaced the stored letter. Delivered: it goes.
      if (outcome === 'delivered' && !(await this.#unbury(letter))) return false;
      this.#redeliveries.shift();
    }
    return !this.#stopping;
  }

  /**
   * Attempts `event` until it is delivered or becomes a dead letter (or the subscription
   * stops). A new event (`claimed`) is attempted only while this box holds the claim.
   */
  async #deliver(event: GatewayEvent, claimed: boolean): Promise<Outcome> {
    let first = this.#timing.now();
    let before: number | undefined; // attempts before this box's first (a restart, another box), read at the first failure
    this.#backoff.clear();
    const signal = claimed ? this.#tenure.signal : this.#abort.signal;
    for (let mine = 1; !this.#stopping; mine++) {
      if (claimed && !this.#mayDeliver) {
        this.#n.attempts = 0;
        return 'lost';
      }
      this.#n.attempts = (before ?? 0) + mine;
      const out = await this.#post(event, signal);
      if (out.ok) {
        this.#n.attempts = 0;
        this.#n.delivered++;
        this.#n.lastSuccessAt = this.#iso();
        if (claimed) await this.#retries.settled();
        return 'delivered';
      }
      if (this.#stopping) break;
      if (claimed && !this.#mayDeliver) continue; // aborted by the claim's loss, not failed
      const earlier = claimed && before === undefined ? await this.#retries.before(event.id, first) : undefined;
      if (earlier) ({ attempts: before, sinceMs: first } = earlier);
      const attempt = (before ?? 0) + mine;
      const reason = out.reason ?? 'failed';
      this.#n.failedAttempts++;
      this.#n.lastError = reason;
      this.#n.lastErrorAt = this.#iso();
      this.#logger.info({ eventId: event.id, eventType: event.type, attempt, reason, ...(out.err ? { err: out.err } : {}) }, 'webhook delivery failed');
      const age = this.#timing.now() - first;
      if (attempt >= this.#cfg.maxAttempts || age >= this.#cfg.maxAgeMs) {
        const buried = await this.#bury({ event, attempts: attempt, reason, at: this.#iso() });
        this.#n.attempts = 0;
        if (buried && claimed) await this.#retries.settled();
        return buried ? 'dead' : 'stopped';
      }
      if (claimed && before !== undefined) await this.#retries.failed(event.id, attempt, first);
      // The last wait ends when the age limit does, for one last attempt.
      await this.#backoff.wait(Math.min(this.#timing.retryDelayMs(attempt), this.#cfg.maxAgeMs - age));
    }
    return 'stopped';
  }

  #post(event: OutgoingEvent, signal: AbortSignal = this.#abort.signal): Promise<PostOutcome> {
    return postOnce(this.#cfg.url, signedRequest(event, this.#cfg.secret, this.#timing.now()), this.#cfg.timeoutMs, signal);
  }

  /** Stores a dead letter, trying again while the store refuses; false when stopped first. */
  async #bury(letter: DeadLetter): Promise<boolean> {
    if (!(await this.#untilStored(() => this.#progress.addDeadLetter(this.name, letter), { eventId: letter.event.id }, 'dead letter not stored; trying again'))) return false;
    this.#logger.warn({ eventId: letter.event.id, eventType: letter.event.type, attempts: letter.attempts, reason: letter.reason }, 'webhook event given up: kept as a dead letter');
    await this.#recount(1);
    return true;
  }

  /** Removes a redelivered letter, trying again while the store refuses; false when stopped first (it stays, and may be sent again). */
  async #unbury(letter: DeadLetter): Promise<boolean> {
    if (!(await this.#untilStored(() => this.#progress.removeDeadLetter(this.name, letter.event.id), { eventId: letter.event.id }, 'redelivered dead letter not removed; trying again'))) return false;
    await this.#recount(-1);
    return true;
  }

  /** Runs a write of the progress until the store takes it, with backoff; false when stopped first. */
  async #untilStored(write: () => Promise<void>, fields: Record<string, unknown>, warning: string): Promise<boolean> {
    for (let tries = 1; ; tries++) {
      try {
        await write();
        return true;
      } catch (err) {
        this.#logger.warn({ err, ...fields }, warning);
        if (this.#stopping) return false;
        await this.#backoff.wait(this.#timing.retryDelayMs(tries));
        if (this.#stopping) return false;
      }
    }
  }

  async #takeBack(ids: readonly number[] | undefined): Promise<number> {
    if (this.#stopping) throw new KatarError('SHUTTING_DOWN', 'the gateway is stopping');
    const wanted = ids ? new Set(ids) : undefined;
    const queued = new Set(this.#redeliveries.map((l) => l.event.id));
    const { deadLetters } = await this.#progress.load(this.name);
    const letters = deadLetters.filter((l) => (!wanted || wanted.has(l.event.id)) && !queued.has(l.event.id));
    letters.sort((a, b) => a.event.id - b.event.id);
    this.#redeliveries.push(...letters);
    if (letters.length > 0) this.#logger.info({ count: letters.length }, 'dead letters queued for redelivery');
    this.#newWork.ring();
    this.#backoff.ring();
    this.#claimWake.ring();
    return letters.length;
  }

  async #test(): Promise<WebhookTestResult> {
    if (this.#stopping) throw new KatarError('SHUTTING_DOWN', 'the gateway is stopping');
    const out = await this.#post({ id: 0, type: 'webhook.test', time: this.#iso(), data: { webhook: this.name } });
    if (!out.ok) this.#logger.info({ eventId: 0, eventType: 'webhook.test', reason: out.reason, ...(out.err ? { err: out.err } : {}) }, 'webhook test delivery failed');
    return { ok: out.ok, ...(out.status !== undefined ? { status: out.status } : {}), ...(out.ok ? {} : { error: out.reason ?? 'failed' }), ms: out.ms };
  }

  /** The dead-letter count as the store has it (it drops the oldest past its limit); `delta` if it cannot say. */
  async #recount(delta: number): Promise<void> {
    try {
      this.#n.deadLetters = (await this.#progress.load(this.name)).deadLetters.length;
    } catch {
      this.#n.deadLetters = Math.max(0, this.#n.deadLetters + delta);
    }
  }

  #advance(cursor: number): void {
    if (cursor <= this.#cursor) return;
    this.#cursor = cursor;
    this.#saver?.advance(cursor);
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#side.add(p);
    void p.finally(() => this.#side.delete(p)).catch(() => undefined);
    return p;
  }

  #iso(): string {
    return new Date(this.#timing.now()).toISOString();
  }
}
