import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { GatewayEvent } from '../../src/queue/gateway-event.js';

/**
 * The whole event log of a running gateway, read with GET /v1/events a page at a time
 * (`next` back as `after` until a page is empty), as an application would.
 */
export async function readWholeLog(url: string, opts: { types?: string; headers?: Record<string, string> } = {}): Promise<GatewayEvent[]> {
  const out: GatewayEvent[] = [];
  let after = 0;
  for (;;) {
    const res = await fetch(`${url}/v1/events?after=${after}&limit=1000${opts.types ? `&types=${opts.types}` : ''}`, { headers: opts.headers ?? {} });
    if (res.status !== 200) throw new Error(`GET /v1/events?after=${after}: ${res.status} ${await res.text()}`);
    const page = (await res.json()) as { events: GatewayEvent[]; next: number };
    out.push(...page.events);
    if (page.events.length === 0 && page.next === after) return out;
    if (page.next <= after) throw new Error(`GET /v1/events?after=${after}: next ${page.next} does not move forward`);
    after = page.next;
  }
}

/**
 * Checks a webhook delivery the way a receiver is told to: HMAC-SHA256 of
 * "<X-Katar-Timestamp>.<raw body>" under the secret, compared in constant time. Written
 * here with node:crypto alone, not with the gateway's signing code.
 */
export function signatureValid(headers: IncomingHttpHeaders, raw: Buffer, secret: string): boolean {
  const ts = headers['x-katar-timestamp'];
  const sig = headers['x-katar-signature'];
  if (typeof ts !== 'string' || typeof sig !== 'string' || !/^\d+$/.test(ts)) return false;
  const want = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${ts}.`).update(raw).digest('hex')}`);
  const got = Buffer.from(sig);
  return want.length === got.length && timingSafeEqual(want, got);
}
