import { newId } from './ids.js';
import type { IncomingSms } from './queue-types.js';
import type { FileStore } from './store/file-store.js';
import { inboxKey } from './store/store-types.js';
import { receivedEvent } from './task-events.js';
import type { InboxEntry } from './task.js';

/**
 * Adds a received SMS to the store (durable at the next commit), unless its `dedupKey`
 * is known: then the first entry is returned and nothing is added.
 */
export async function storeIncoming(store: FileStore, queue: string, sms: IncomingSms, at: Date): Promise<{ entry: InboxEntry; duplicate: boolean }> {
  if (sms.dedupKey !== undefined) {
    const id = store.inboxByKey.get(inboxKey(queue, sms.dedupKey));
    const meta = id ? store.inbox.find((m) => m._id === id) : undefined;
    if (meta) return { entry: await store.readInbox(meta), duplicate: true };
  }
  const now = sms.receivedAt ?? at;
  const entry: InboxEntry = { _id: newId(now.getTime()), queue, seq: ++store.maxSeq, from: sms.from, msg: sms.msg, receivedAt: now.toISOString(), source: sms.source };
  if (sms.sentAt) entry.sentAt = sms.sentAt.toISOString();
  if (sms.incomplete) entry.incomplete = true;
  if (sms.dedupKey !== undefined) entry.dedupKey = sms.dedupKey;
  store.addInbox(entry);
  const ev = receivedEvent(entry);
  store.addEvent(ev.type, ev.data, ev.queue, at.toISOString());
  return { entry, duplicate: false };
}
