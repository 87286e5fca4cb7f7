import type { QueueService } from './queue-service.js';
import type { InboxEntry, Task, TaskStatus } from './task.js';

/** A page of results and the cursor of the next page (absent on the last page). */
export interface Page<T> {
  items: T[];
  next?: string;
}

/**
 * Tasks of `queue`, oldest first, optionally of one status, after `cursor` (the `next`
 * of the previous page). Live tasks come from memory, finished ones from history.
 */
export async function listTasks(q: QueueService, queue: string, opts: { status?: TaskStatus; limit: number; cursor?: number }): Promise<Page<Task>> {
  q.settings(queue);
  const after = opts.cursor ?? 0;
  const want = (status: TaskStatus, seq: number): boolean => seq > after && (opts.status === undefined || status === opts.status);
  const live = [...q.store.live.values()].filter((t) => t.queue === queue && want(t.status, t.seq)).map((t) => ({ seq: t.seq, live: t as Task | undefined, meta: undefined }));
  const finished = [...q.store.history.values()].filter((m) => m.queue === queue && want(m.status, m.seq)).map((m) => ({ seq: m.seq, live: undefined, meta: m }));
  const merged = [...live, ...finished].sort((a, b) => a.seq - b.seq);
  const pageRows = merged.slice(0, opts.limit);
  const items: Task[] = [];
  for (const row of pageRows) items.push(row.live ?? (await q.store.readHistory(row.meta!)));
  const page: Page<Task> = { items };
  if (merged.length > opts.limit && pageRows.length) page.next = String(pageRows[pageRows.length - 1]!.seq);
  return page;
}

/** Received SMS of `queue`, oldest first, after the cursor `since` or after an instant. */
export async function listInbox(q: QueueService, queue: string, opts: { limit: number; afterSeq?: number; afterTime?: Date }): Promise<Page<InboxEntry>> {
  q.settings(queue);
  const afterSeq = opts.afterSeq ?? 0;
  const afterTime = opts.afterTime?.toISOString();
  const rows = q.store.inbox.filter((m) => m.queue === queue && m.seq > afterSeq && (afterTime === undefined || m.receivedAt > afterTime));
  const pageRows = rows.slice(0, opts.limit);
  const items: InboxEntry[] = [];
  for (const m of pageRows) items.push(await q.store.readInbox(m));
  const page: Page<InboxEntry> = { items };
  if (rows.length > opts.limit && pageRows.length) page.next = String(pageRows[pageRows.length - 1]!.seq);
  return page;
}
