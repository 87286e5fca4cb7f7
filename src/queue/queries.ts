import type { FileQueue } from './file-queue.js';
import type { InboxListing, Page, TaskListing } from './sms-queue.js';
import type { InboxMeta } from './store/file-store.js';
import type { InboxEntry, Task } from './task.js';
import { firstAbove } from './sorted-search.js';
export type { Page } from './sms-queue.js';

/**
 * Entries one task listing looks at, at most. Unfiltered pages never get near it; a
 * status filter that matches little of a huge queue returns a short (even empty) page
 * with a `next` instead of walking the whole queue in one request. Each entry costs a
 * live-map lookup (0.2-0.4 us on a loaded 2-core machine), so this bounds a request to
 * about 2 ms of CPU however deep the queue.
 */
export const LIST_SCAN_LIMIT = 5_000;

/**
 * Tasks of `queue`, oldest first, optionally of one status, after `cursor` (the `next`
 * of the previous page). Pages through the queue's seq-ordered index (never a copy or
 * a sort of the queue); live tasks come from memory, finished ones from history.
 * `next` is the seq of the page's last task, or of the last task looked at when the
 * scan limit cut the page short.
 */
export async function listTasks(q: FileQueue, queue: string, opts: TaskListing): Promise<Page<Task>> {
  q.settings(queue);
  const { rows, next } = q.taskOrder.scan(queue, { after: opts.cursor ?? 0, status: opts.status, limit: opts.limit, maxScan: opts.maxScan ?? LIST_SCAN_LIMIT });
  const items: Task[] = [];
  for (const row of rows) items.push(row.live ?? (await q.store.readHistory(row.meta!)));
  const page: Page<Task> = { items };
  if (next !== undefined) page.next = String(next);
  return page;
}

/** Index of the first entry with a seq greater than `seq` (the inbox is in seq order). */
function firstInboxAfter(inbox: readonly InboxMeta[], seq: number): number {
  return firstAbove(inbox.length, seq, (i) => inbox[i]!.seq);
}

/** The entries of one inbox page, and the seq of the last entry the walk looked at. */
interface InboxWalk {
  rows: InboxMeta[];
  lastSeen?: number;
}

/**
 * Walks the seq-ordered inbox index from the cursor in the listing's direction (never
 * a copy or a sort) and stops at `limit` entries of `queue`. Ascending takes entries
 * after the cursor and received after `afterTime`; descending takes entries before the
 * cursor and received before `afterTime`.
 */
function walkInbox(inbox: readonly InboxMeta[], queue: string, opts: InboxListing): InboxWalk {
  const desc = opts.order === 'desc';
  const time = opts.afterTime?.toISOString();
  const step = desc ? -1 : 1;
  let i: number;
  // Seqs are integers: the first entry after `seq - 1` is the first at or after `seq`.
  if (desc) i = opts.afterSeq === undefined ? inbox.length - 1 : firstInboxAfter(inbox, opts.afterSeq - 1) - 1;
  else i = firstInboxAfter(inbox, opts.afterSeq ?? 0);
  const walk: InboxWalk = { rows: [] };
  for (; i >= 0 && i < inbox.length && walk.rows.length < opts.limit; i += step) {
    const m = inbox[i]!;
    walk.lastSeen = m.seq;
    if (m.queue !== queue) continue;
    if (time !== undefined && (desc ? m.receivedAt >= time : m.receivedAt <= time)) continue;
    walk.rows.push(m);
  }
  return walk;
}

/**
 * Received SMS of `queue`, oldest first (newest first with `order: 'desc'`), after the
 * cursor `afterSeq` or an instant (before them, for desc). The inbox index is appended in
 * seq order, so a binary search finds the cursor and the walk stops at `limit`.
 *
 * `next` is always there: the cursor to come back with later. It is the seq of the last
 * entry returned; on an empty page the cursor given, so that a poller that got nothing
 * keeps its place (or, after an instant, the seq of the last entry passed over, none of
 * which qualified; "0" when there was none).
 */
export async function listInbox(q: FileQueue, queue: string, opts: InboxListing): Promise<Page<InboxEntry>> {
  q.settings(queue);
  const { rows, lastSeen } = walkInbox(q.store.inbox, queue, opts);
  const items: InboxEntry[] = [];
  for (const m of rows) items.push(await q.store.readInbox(m));
  const last = rows[rows.length - 1];
  const next = last?.seq ?? (opts.afterTime !== undefined ? lastSeen : undefined) ?? opts.afterSeq ?? 0;
  return { items, next: String(next) };
}
