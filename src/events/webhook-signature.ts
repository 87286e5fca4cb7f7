import { createHmac } from 'node:crypto';

/**
 * How a webhook delivery is signed. The receiver recomputes
 * `HMAC-SHA256(secret, "<X-Katar-Timestamp>.<raw body>")` over the bytes it received,
 * compares it with `X-Katar-Signature` (in constant time), and may refuse a timestamp far
 * from its own clock: every attempt is signed anew, so a retry carries a fresh timestamp.
 */

/** The headers of a delivery, as documented. */
export const WEBHOOK_HEADERS = {
  event: 'X-Katar-Event',
  eventId: 'X-Katar-Event-Id',
  timestamp: 'X-Katar-Timestamp',
  signature: 'X-Katar-Signature',
} as const;

/** What is sent: a GatewayEvent, or the synthetic `webhook.test` event (id 0). */
export interface OutgoingEvent {
  id: number;
  type: string;
  time: string;
  queue?: string;
  data: Record<string, unknown>;
}

/** One signed POST: the body bytes exactly as signed, and the headers that go with them. */
export interface SignedRequest {
  body: Buffer;
  headers: Record<string, string>;
}

/** `sha256=<hex>` of `<timestamp>.<body>` under `secret`. */
export function webhookSignature(secret: string, timestamp: number, body: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

/** The body (the event as JSON) and headers of one delivery attempt at `nowMs`. */
export function signedRequest(event: OutgoingEvent, secret: string, nowMs: number): SignedRequest {
  const body = Buffer.from(JSON.stringify(event), 'utf8');
  const timestamp = Math.floor(nowMs / 1000);
  return {
    body,
    headers: {
      'Content-Type': 'application/json',
      'User-Agent': 'katar-sms',
      [WEBHOOK_HEADERS.event]: event.type,
      [WEBHOOK_HEADERS.eventId]: String(event.id),
      [WEBHOOK_HEADERS.timestamp]: String(timestamp),
      [WEBHOOK_HEADERS.signature]: webhookSignature(secret, timestamp, body),
    },
  };
}
