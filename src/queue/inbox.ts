import { newId } from './ids.js';
import type { IncomingSms } from './queue-types.js';
import type { FileStore } from './store/file-store.js';
import type { InboxEntry, Task } from './task.js';

/** Status reports arrive within minutes: only the most recent sent tasks are searched. */
const RECENT_TASKS = 2000;

/**
 * Adds a received SMS to the store (durable at the next commit), unless its `dedupKey`
 * is known: then the first entry is returned and nothing is added.
 */
export async function storeIncoming(store: FileStore, queue: string, sms: IncomingSms): Promise<{ entry: InboxEntry; duplicate: boolean }> {
  if (sms.dedupKey !== undefined) {
    const id = store.inboxByKey.get(sms.dedupKey);
    const meta = id ? store.inbox.find((m) => m._id === id) : undefined;
    if (meta) return { entry: await store.readInbox(meta), duplicate: true };
  }
  const now = sms.receivedAt ?? new Date();
  const entry: InboxEntry = { _id: newId(now.getTime()), queue, seq: ++store.maxSeq, from: sms.from, msg: sms.msg, receivedAt: now.toISOString(), source: sms.source };
  if (sms.sentAt) entry.sentAt = sms.sentAt.toISOString();
  if (sms.incomplete) entry.incomplete = true;
  if (sms.dedupKey !== undefined) entry.dedupKey = sms.dedupKey;
  store.addInbox(entry);
  return { entry, duplicate: false };
}

/**
 * Finds the recently sent task `match` selects and records the outcome of part `mr`
 * on it (durable at the next commit). The task is delivered once every part is, failed
 * as soon as one part failed. Undefined when no task matched.
 */
export async function findDelivery(store: FileStore, queue: string, match: (t: Task) => boolean, mr: number, outcome: 'delivered' | 'failed' | 'pending', reportStatus: number): Promise<Task | undefined> {
  let looked = 0;
  for (const meta of store.history.newestFirst()) {
    if (meta.queue !== queue || meta.status !== 'done') continue;
    if (++looked > RECENT_TASKS) break;
    const t = await store.readHistory(meta);
    if (!t.delivery || !match(t)) continue;
    const parts: Record<string, 'delivered' | 'failed' | 'pending'> = { ...(t.delivery.parts ?? {}), [String(mr)]: outcome };
    const states = t.delivery.references.map((r) => parts[String(r)]);
    const status = states.includes('failed') ? 'failed' : states.every((s) => s === 'delivered') ? 'delivered' : 'pending';
    const next: Task = { ...t, delivery: { ...t.delivery, status, parts, reportStatus, updatedAt: new Date().toISOString() } };
    store.finish(next);
    return next;
  }
  return undefined;
}
