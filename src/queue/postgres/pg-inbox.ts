import { newId } from '../ids.js';
import type { IncomingSms } from '../queue-types.js';
import { receivedEvent } from '../task-events.js';
import type { InboxEntry } from '../task.js';
import type { PgBatch } from './pg-batch.js';
import { entryOf, insertEntry, nextSeqs } from './pg-rows.js';

/**
 * Stores a received SMS once per dedup key and queue, fleet-wide (a unique index): a
 * message read by two boxes, or twice by one, is stored once; the second gets the first.
 */
export async function receiveSms(b: PgBatch, queue: string, sms: IncomingSms): Promise<{ entry: InboxEntry; duplicate: boolean }> {
  if (sms.dedupKey !== undefined) {
    const [known] = await b.sql.query('SELECT doc FROM inbox WHERE queue = $1 AND dedup_key = $2', [queue, sms.dedupKey]);
    if (known) return { entry: entryOf(known), duplicate: true };
  }
  const [seq] = await nextSeqs(b.sql, 1);
  const at = sms.receivedAt ?? new Date(b.now.wall);
  const entry: InboxEntry = { _id: newId(at.getTime()), queue, seq: seq!, from: sms.from, msg: sms.msg, receivedAt: at.toISOString(), source: sms.source };
  if (sms.incomplete) entry.incomplete = true;
  if (sms.sentAt) entry.sentAt = sms.sentAt.toISOString();
  if (sms.dedupKey !== undefined) entry.dedupKey = sms.dedupKey;
  if (!(await insertEntry(b.sql, entry))) {
    // Another box stored it between our look and our insert.
    const [known] = await b.sql.query('SELECT doc FROM inbox WHERE queue = $1 AND dedup_key = $2', [queue, sms.dedupKey]);
    return { entry: entryOf(known!), duplicate: true };
  }
  b.event(receivedEvent(entry));
  return { entry, duplicate: false };
}
