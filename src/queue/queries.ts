import type { FileQueue } from './file-queue.js';
import type { InboxListing, Page, TaskListing } from './sms-queue.js';
import type { InboxMeta } from './store/file-store.js';
import type { InboxEntry, Task } from './task.js';
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
  let lo = 0;
  let hi = inbox.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (inbox[mid]!.seq <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Received SMS of `queue`, oldest first, after the cursor `since` or after an instant.
 * The inbox index is appended in seq order, so a binary search finds the cursor and
 * the scan stops at the first match past `limit`.
 */
export async function listInbox(q: FileQueue, queue: string, opts: InboxListing): Promise<Page<InboxEntry>> {
  q.settings(queue);
  const inbox = q.store.inbox;
  const afterTime = opts.afterTime?.toISOString();
  const rows: InboxMeta[] = [];
  let more = false;
  for (let i = firstInboxAfter(inbox, opts.afterSeq ?? 0); i < inbox.length; i++) {
    const m = inbox[i]!;
    if (m.queue !== queue || (afterTime !== undefined && m.receivedAt <= afterTime)) continue;
    if (rows.length === opts.limit) {
      more = true;
      break;
    }
    rows.push(m);
  }
  const items: InboxEntry[] = [];
  for (const m of rows) items.push(await q.store.readInbox(m));
  const page: Page<InboxEntry> = { items };
  if (more) page.next = String(rows[rows.length - 1]!.seq);
  return page;
}
