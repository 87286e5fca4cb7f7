/**
 * Paged listings of tasks and received SMS, by seq: the same pages and cursors as the
 * file queue's (queries.ts), answered by index scans on (queue, seq).
 */
import type { InboxListing, Page, TaskListing } from '../sms-queue.js';
import type { InboxEntry, Task } from '../task.js';
import type { Sql } from './pg-pool.js';
import { entryOf, taskOf } from './pg-rows.js';

/** Received SMS a listing by sender looks at, at most (as queries.ts). */
const NUMBER_SCAN_LIMIT = 1_000;

/**
 * Tasks of `queue` after `cursor` (before it, with desc), optionally of one status and
 * with a recipient containing `to`; `next` is the seq of the page's last task, absent on
 * the last page.
 */
export async function listTasks(sql: Sql, queue: string, o: TaskListing): Promise<Page<Task>> {
  const desc = o.order === 'desc';
  const where = ['queue = $1'];
  const values: unknown[] = [queue, o.limit + 1];
  if (o.cursor !== undefined) {
    values.push(o.cursor);
    where.push(`seq ${desc ? '<' : '>'} $${values.length}`);
  }
  if (o.status !== undefined) {
    values.push(o.status);
    where.push(`status = $${values.length}`);
  }
  if (o.to !== undefined) {
    values.push(o.to);
    where.push(`strpos(to_number, $${values.length}) > 0`);
  }
  const rows = await sql.query(`SELECT doc FROM tasks WHERE ${where.join(' AND ')} ORDER BY seq ${desc ? 'DESC' : 'ASC'} LIMIT $2`, values);
  const items = rows.slice(0, o.limit).map(taskOf);
  const page: Page<Task> = { items };
  if (rows.length > o.limit) page.next = String(items[items.length - 1]!.seq);
  return page;
}

/**
 * Received SMS of `queue` after the cursor or an instant (before them, with desc).
 * `next` is always there: the seq of the last entry returned; on an empty page the
 * cursor given, or (after an instant) the seq of the last entry passed over.
 */
export async function listInbox(sql: Sql, queue: string, o: InboxListing): Promise<Page<InboxEntry>> {
  const desc = o.order === 'desc';
  const limit = o.from !== undefined ? NUMBER_SCAN_LIMIT : o.limit;
  const where = ['queue = $1'];
  const values: unknown[] = [queue, limit];
  if (o.afterSeq !== undefined) {
    values.push(o.afterSeq);
    where.push(`seq ${desc ? '<' : '>'} $${values.length}`);
  }
  if (o.afterTime !== undefined) {
    values.push(o.afterTime.getTime());
    where.push(`received_ms ${desc ? '<' : '>'} $${values.length}`);
  }
  const rows = (await sql.query(`SELECT doc FROM inbox WHERE ${where.join(' AND ')} ORDER BY seq ${desc ? 'DESC' : 'ASC'} LIMIT $2`, values)).map(entryOf);
  if (o.from !== undefined) return bySender(rows, o, o.from);
  const last = rows[rows.length - 1];
  if (last) return { items: rows, next: String(last.seq) };
  return { items: [], next: String(o.afterTime !== undefined ? await lastPassedOver(sql, o) : (o.afterSeq ?? 0)) };
}

/** The entries whose sender contains `from`, read in order until the page is full. */
function bySender(rows: InboxEntry[], o: InboxListing, from: string): Page<InboxEntry> {
  const items: InboxEntry[] = [];
  let lookedAt: number | undefined;
  for (const e of rows) {
    if (items.length === o.limit) break;
    lookedAt = e.seq;
    if (e.from.includes(from)) items.push(e);
  }
  const full = items.length === o.limit;
  const next = full ? lookedAt : (rows[rows.length - 1]?.seq ?? o.afterSeq ?? 0);
  return { items, next: String(next) };
}

/** After an instant with nothing to show: the cursor past every entry the listing looked at, of any queue. */
async function lastPassedOver(sql: Sql, o: InboxListing): Promise<number> {
  const desc = o.order === 'desc';
  const values: unknown[] = [];
  let where = 'true';
  if (o.afterSeq !== undefined) {
    values.push(o.afterSeq);
    where = `seq ${desc ? '<' : '>'} $1`;
  }
  const [r] = await sql.query(`SELECT ${desc ? 'min' : 'max'}(seq) AS seq FROM inbox WHERE ${where}`, values);
  return r?.seq === null || r?.seq === undefined ? (o.afterSeq ?? 0) : Number(r.seq);
}
