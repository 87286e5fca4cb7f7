import type { StoreHealth } from '../queue/sms-queue.js';

/** Why the gateway is not ready for new sends; empty when it is. */
export function notReadyReasons(h: StoreHealth): string[] {
  const why = h.reason ? `: ${h.reason}` : '';
  if (!h.writable) return [`the store cannot write${why}`];
  if (!h.acceptingNew) return [`the store refuses new sends to keep its free-space reserve${why}`];
  return [];
}
