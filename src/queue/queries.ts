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
 * Entries a listing by recipient (tasks) or sender (inbox) looks at, at most: the
 * number is not in the in-memory indexes, so each finished task or received SMS looked
 * at is read from its file (a few microseconds from the page cache), and this bounds
 * such a request to a few milliseconds. A page cut short carries a `next` that goes on.
 */
export const NUMBER_SCAN_LIMIT = 1_000;

/**
 * Tasks of `queue`, oldest first, optionally of one status, after `cursor` (the `next`
 * of the previous page). Pages through the queue's seq-ordered index (never a copy or
 * a sort of the queue); live tasks come from memory, finished ones from history.
 * `next` is the seq of the page's last task, or of the last task looked at when the
 * scan limit cut the page short.
 */
export async function listTasks(q: FileQueue, queue: string, opts: TaskListing): Promise<Page<Task>> {
  q.settings(queue);
  if (opts.to !== undefined) return listTasksTo(q, queue, opts, opts.to);
  const { rows, next } = q.taskOrder.scan(queue, { after: opts.cursor ?? 0, status: opts.status, limit: opts.limit, maxScan: opts.maxScan ?? LIST_SCAN_LIMIT, order: opts.order });
  const items: Task[] = [];
  for (const row of rows) items.push(row.live ?? (await q.store.readHistory(row.meta!)));
  const page: Page<Task> = { items };
  if (next !== undefined) page.next = String(next);
  return page;
}

/**
 * Tasks whose recipient contains `to`: the scan takes every task of the status in its
 * bounds (NUMBER_SCAN_LIMIT by default), then they are read in order until the page is
 * full and one more matches. `next` is the last task of a full page, or where the scan
 * stopped when it was cut, or absent when the queue has no more.
 */
async function listTasksTo(q: FileQueue, queue: string, opts: TaskListing, to: string): Promise<Page<Task>> {
  const maxScan = opts.maxScan ?? NUMBER_SCAN_LIMIT;
  const scan = q.taskOrder.scan(queue, { after: opts.cursor ?? 0, status: opts.status, limit: maxScan, maxScan, order: opts.order });
  const items: Task[] = [];
  let next = scan.next;
  for (const row of scan.rows) {
    const t = row.live ?? (await q.store.readHistory(row.meta!));
    if (!t.data.to.includes(to)) continue;
    if (items.length === opts.limit) {
      next = items[items.length - 1]!.seq;
      break;
    }
    items.push(t);
  }
  return next === undefined ? { items } : { items, next: String(next) };
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
  if (opts.from !== undefined) return listInboxFrom(q, queue, opts, opts.from);
  const { rows, lastSeen } = walkInbox(q.store.inbox, queue, opts);
  const items: InboxEntry[] = [];
  for (const m of rows) items.push(await q.store.readInbox(m));
  const last = rows[rows.length - 1];
  const next = last?.seq ?? (opts.afterTime !== undefined ? lastSeen : undefined) ?? opts.afterSeq ?? 0;
  return { items, next: String(next) };
}

/**
 * Received SMS whose sender contains `from`: the walk takes up to NUMBER_SCAN_LIMIT
 * entries of the queue, read in order until the page is full. `next` is the last entry
 * of a full page, else the last entry looked at (so that the next page, or a poll, goes
 * on from there), else the cursor given.
 */
async function listInboxFrom(q: FileQueue, queue: string, opts: InboxListing, from: string): Promise<Page<InboxEntry>> {
  const walk = walkInbox(q.store.inbox, queue, { ...opts, limit: NUMBER_SCAN_LIMIT });
  const items: InboxEntry[] = [];
  let lookedAt: number | undefined;
  for (const m of walk.rows) {
    if (items.length === opts.limit) break;
    const e = await q.store.readInbox(m);
    lookedAt = m.seq;
    if (e.from.includes(from)) items.push(e);
  }
  const full = items.length === opts.limit;
  const next = full ? lookedAt : (walk.lastSeen ?? opts.afterSeq ?? 0);
  return { items, next: String(next) };
}
