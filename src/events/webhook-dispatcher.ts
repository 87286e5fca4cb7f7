import { randomUUID } from 'node:crypto';
import type { WebhookConfig } from '../config.js';
import { KatarError } from '../errors.js';
import type { Logger } from '../log.js';
import type { GatewayEvent } from '../queue/gateway-event.js';
import type { EventLog, SubscriptionProgress } from '../queue/sms-queue.js';
import type { WebhookState, WebhookTestResult } from './webhook-state.js';
import { WebhookSubscription, type DeliveryTiming } from './webhook-subscription.js';

/** What the dispatcher is built from. */
export interface WebhookDispatcherOptions {
  /** The configured webhooks (config.webhooks); names are unique. */
  webhooks: readonly WebhookConfig[];
  log: EventLog;
  progress: SubscriptionProgress;
  /**
   * Who claims the deliveries: the gateway id, which a fleet's boxes must not share.
   * Without it a name of this dispatcher's own (a restart after a crash then waits for
   * its old claims to run out).
   */
  holder?: string;
  logger: Logger;
  /** Shorter waits for tests; the defaults are DEFAULT_TIMING. */
  timing?: Partial<DeliveryTiming>;
}

/**
 * The webhooks of the gateway: one independent WebhookSubscription per configured
 * webhook, all woken by one listener on the event log (so any number of webhooks adds
 * one listener). `redeliver` and `sendTest` name a webhook; an unknown name is
 * WEBHOOK_NOT_FOUND. In a fleet each webhook is delivered by the one box holding its
 * claim (delivery-claim.ts); the others stand by and take over when it goes.
 */
export class WebhookDispatcher {
  readonly #subs = new Map<string, WebhookSubscription>();
  readonly #log: EventLog;
  readonly #logger: Logger;
  #listening = false;

  readonly #onEvent = (event: GatewayEvent): void => {
    for (const sub of this.#subs.values()) sub.wake(event.type);
  };

  constructor(opts: WebhookDispatcherOptions) {
    this.#log = opts.log;
    this.#logger = opts.logger.child({ module: 'webhooks' });
    const holder = opts.holder ?? `dispatcher-${randomUUID()}`;
    for (const w of opts.webhooks) {
      if (this.#subs.has(w.name)) throw new KatarError('CONFIG_INVALID', `webhook "${w.name}" is configured twice`, { key: 'webhooks' });
      this.#subs.set(w.name, new WebhookSubscription(w, { log: opts.log, progress: opts.progress, holder, logger: this.#logger, ...(opts.timing ? { timing: opts.timing } : {}) }));
    }
  }

  /** Loads every subscription's progress and starts their loops; rejects if the progress cannot be read. */
  async start(): Promise<void> {
    // No webhook, no listener: the PostgreSQL log then need not read other boxes' events.
    if (!this.#listening && this.#subs.size > 0) {
      this.#log.on('event', this.#onEvent);
      this.#listening = true;
    }
    await Promise.all([...this.#subs.values()].map((s) => s.start()));
    if (this.#subs.size > 0) this.#logger.info({ webhooks: [...this.#subs.keys()] }, 'webhook delivery started');
  }

  /** Every webhook's state, in config order. */
  state(): WebhookState[] {
    return [...this.#subs.values()].map((s) => s.state());
  }

  /** One webhook's state. */
  stateOf(name: string): WebhookState {
    return this.#sub(name).state();
  }

  /**
   * Takes the dead letters of `name` with these event ids (all when omitted) back and
   * sends them again, oldest first, before newer events (after the one in flight).
   */
  async redeliver(name: string, ids?: readonly number[]): Promise<{ redelivering: number }> {
    return { redelivering: await this.#sub(name).redeliver(ids) };
  }

  /** POSTs a signed `webhook.test` event (id 0) to `name` once and says how it went. */
  sendTest(name: string): Promise<WebhookTestResult> {
    return this.#sub(name).sendTest();
  }

  /** Stops every subscription: requests in flight are aborted, cursors saved, claims given up. */
  async stop(): Promise<void> {
    this.#log.off('event', this.#onEvent);
    this.#listening = false;
    await Promise.all([...this.#subs.values()].map((s) => s.stop()));
  }

  #sub(name: string): WebhookSubscription {
    const sub = this.#subs.get(name);
    if (!sub) throw new KatarError('WEBHOOK_NOT_FOUND', `no webhook named "${name}"`, { name });
    return sub;
  }
}
