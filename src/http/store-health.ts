import type { Gateway } from '../gateway/gateway.js';

/** Whether the store can write, as FileStore.health() reports it. */
export interface StoreHealth {
  /** Writes succeed (false: disk full, read-only, I/O errors). */
  writable: boolean;
  /** New sends are taken (false also below the free-space reserve, kept for outcomes in flight). */
  acceptingNew: boolean;
  reason?: string;
  freeBytes?: number;
  reserveBytes: number;
}

/**
 * The store's write health. A store without `health()` (an older build of the store)
 * counts as writable: the HTTP side must not invent an outage it cannot see.
 */
export function storeHealth(gateway: Gateway): StoreHealth {
  const store = gateway.queue.store as { health?: () => StoreHealth };
  return typeof store.health === 'function' ? store.health() : { writable: true, acceptingNew: true, reserveBytes: 0 };
}

/** Why the gateway is not ready for new sends; empty when it is. */
export function notReadyReasons(h: StoreHealth): string[] {
  const why = h.reason ? `: ${h.reason}` : '';
  if (!h.writable) return [`the store cannot write${why}`];
  if (!h.acceptingNew) return [`the store refuses new sends to keep its free-space reserve${why}`];
  return [];
}
