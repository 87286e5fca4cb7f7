import type { WebhookConfig } from '../../src/config.js';
import { WebhookDispatcher } from '../../src/events/webhook-dispatcher.js';
import type { DeliveryTiming } from '../../src/events/webhook-subscription.js';
import { EVENT_TYPES } from '../../src/queue/gateway-event.js';
import { captureLogger, MemoryEventLog, MemoryProgress } from '../helpers/memory-event-log.js';
import { Receiver } from './receiver.js';

export const SECRET = 'test-secret-0123456789abcdef';

/**
 * Waits short enough for tests; the safety poll is far beyond any test's length, so
 * every delivery seen was woken by the log's 'event'.
 */
export const FAST: Partial<DeliveryTiming> = { retryDelayMs: () => 10, saveEveryMs: 20, safetyPollMs: 600_000 };

/** A webhook config to `url` with every event type and attempts to spare. */
export function hook(name: string, url: string, over: Partial<WebhookConfig> = {}): WebhookConfig {
  return { name, url, events: [...EVENT_TYPES], secret: SECRET, timeoutMs: 5000, maxAttempts: 1000, maxAgeMs: 86_400_000, ...over };
}

/** Dispatchers, receivers and logs made by a test, closed after it. */
export class Bench {
  readonly log = new MemoryEventLog();
  readonly progress = new MemoryProgress();
  readonly capture = captureLogger();
  readonly #dispatchers: WebhookDispatcher[] = [];
  readonly #receivers: Receiver[] = [];

  async receiver(path?: string): Promise<Receiver> {
    const r = await Receiver.start(path);
    this.#receivers.push(r);
    return r;
  }

  /** A started dispatcher over this bench's log and progress. */
  async dispatcher(webhooks: WebhookConfig[], timing: Partial<DeliveryTiming> = FAST): Promise<WebhookDispatcher> {
    const d = new WebhookDispatcher({ webhooks, log: this.log, progress: this.progress, logger: this.capture.logger, timing });
    this.#dispatchers.push(d);
    await d.start();
    return d;
  }

  /** Appends `n` events of `type`, one after another. */
  async append(n: number, type: (typeof EVENT_TYPES)[number] = 'sms.queued'): Promise<void> {
    for (let i = 0; i < n; i++) await this.log.append(type, { id: `task-${i}`, msg: 'BODY-MARKER' }, 'sms');
  }

  async close(): Promise<void> {
    await Promise.all(this.#dispatchers.map((d) => d.stop()));
    await Promise.all(this.#receivers.map((r) => r.close()));
  }
}
