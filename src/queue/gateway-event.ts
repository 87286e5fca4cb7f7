/**
 * The events of the gateway: what an application is told about (webhooks, the SSE
 * stream, the pull API, MQTT). Pure data; the queue appends them in the same durable
 * write as the change they describe (docs/EVENTS.md).
 */

/** Every event type, in documentation order. */
export const EVENT_TYPES = ['sms.received', 'sms.queued', 'sms.sent', 'sms.failed', 'sms.cancelled', 'sms.delivered', 'sms.delivery_failed', 'modem.state', 'modem.balance', 'call.incoming'] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** One event. `id` increases strictly and is never reused, across restarts and retention. */
export interface GatewayEvent {
  id: number;
  type: EventType;
  /** ISO 8601, when the change was committed. */
  time: string;
  /** The queue of the task or received SMS; absent for modem events. */
  queue?: string;
  /**
   * The task or received SMS as the API shows it; for `modem.state` the modem's health;
   * `modem.balance`: `{modem, text, amount?}`; `call.incoming`: `{modem, from, rejected}`.
   */
  data: Record<string, unknown>;
}

/** A page of events, oldest first; `next` is the cursor to come back with (the last id seen). */
export interface EventPage {
  events: GatewayEvent[];
  next: number;
}

/** Is `s` an event type? */
export function isEventType(s: string): s is EventType {
  return (EVENT_TYPES as readonly string[]).includes(s);
}
