import type { Logger } from '../log.js';
import type { EventLog, SubscriptionProgress } from '../queue/sms-queue.js';

/** What a subscription (webhook, MQTT events) reads of its stored progress. */
export interface ClaimedCursorInput {
  progress: SubscriptionProgress;
  log: EventLog;
  /** The cursor's (and claim's) name. */
  name: string;
  /** An older name of the same cursor: taken over at the first start, so an upgrade skips nothing. */
  legacyName?: string;
  /** Whether this box holds the subscription's claim (only the holder starts a new cursor). */
  holding: boolean;
  /** This box's own cursor: kept when it is further than the stored one. */
  own: number;
  logger: Logger;
  /** What is delivered, for the log: `webhook "crm"`, `MQTT events`. */
  what: string;
}

/**
 * The cursor a subscription goes on from, and its dead-letter count: the stored cursor,
 * or this box's own when further (its saves are batched). A subscription never seen
 * before starts after the newest event (or where its legacy cursor stood), saved at once
 * by the box holding the claim; a box standing by only reads, so two boxes starting at
 * once never start it twice.
 */
export async function readClaimedCursor(o: ClaimedCursorInput): Promise<{ cursor: number; deadLetters: number }> {
  const { cursor: stored, deadLetters } = await o.progress.load(o.name);
  if (stored !== undefined || !o.holding) return { cursor: Math.max(o.own, stored ?? 0), deadLetters: deadLetters.length };
  const legacy = o.legacyName === undefined ? undefined : (await o.progress.load(o.legacyName)).cursor;
  const cursor = legacy ?? Math.max(o.own, o.log.bounds().newest);
  await o.progress.saveCursor(o.name, cursor);
  if (legacy !== undefined) o.logger.info({ cursor, from: o.legacyName }, `${o.what} go on from the cursor kept as ${o.legacyName}`);
  else o.logger.info({ cursor }, `${o.what}: a new subscription, it starts after the newest event`);
  return { cursor, deadLetters: deadLetters.length };
}
