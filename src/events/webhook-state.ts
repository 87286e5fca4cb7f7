import type { EventType } from '../queue/gateway-event.js';

/** Where one subscription stands, for the admin API. Holds no secret. */
export interface WebhookState {
  name: string;
  /** Origin and path of the URL; its query (which may carry a token) shows as `?…`. */
  url: string;
  events: EventType[];
  /** The last event taken care of (delivered or dead-lettered). */
  cursor: number;
  /** Events after the cursor: an upper bound, it counts events of every type, not only the subscribed ones. */
  backlog: number;
  /** Dead letters queued for redelivery and not yet sent (still counted in deadLetters). */
  redeliveries: number;
  /** Attempts so far of the event being delivered (1 while its first is in flight; 0 when idle). */
  attempts: number;
  /** Dead letters kept in the store. */
  deadLetters: number;
  /** Events delivered (answered 2xx) since start. */
  delivered: number;
  /** Attempts that failed since start. */
  failedAttempts: number;
  /** Event ids skipped since start because retention removed them first (an upper bound, as `backlog`). */
  expired: number;
  lastSuccessAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  /** Whether this box delivers the new events (`held`) or another box of the fleet does (`standby`). */
  claim: 'held' | 'standby';
  /** The gateway id of the box that delivers, as last seen (null before the first answer). */
  deliveredBy: string | null;
}

/** How a test POST went. */
export interface WebhookTestResult {
  ok: boolean;
  status?: number;
  error?: string;
  ms: number;
}

/** The URL without user info and query, both of which may carry credentials. */
export function shownUrl(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}${u.search ? '?…' : ''}`;
}
