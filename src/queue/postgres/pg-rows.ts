/**
 * Tasks and received SMS as rows: the document (`doc`, the Task or InboxEntry as the
 * API shows it) beside the columns that claims, listings and retention filter on. One
 * writer per shape, so that a column never disagrees with its document.
 */
import type { EventDraft } from '../task-events.js';
import type { InboxEntry, Task } from '../task.js';
import type { Row, Sql } from './pg-pool.js';

/** An event before it is numbered; modem events have no queue. */
export type EventDraftAny = Omit<EventDraft, 'queue'> & { queue?: string };

const ms = (s: string | undefined): number | null => (s === undefined ? null : Date.parse(s));

/** The task a row holds. */
export const taskOf = (r: Row): Task => r.doc as Task;

/** The received SMS a row holds. */
export const entryOf = (r: Row): InboxEntry => r.doc as InboxEntry;

/** `n` fresh numbers of the shared sequence (tasks and received SMS), in order. */
export async function nextSeqs(sql: Sql, n: number): Promise<number[]> {
  const rows = await sql.query(`SELECT nextval('katar_seq') AS seq FROM generate_series(1, $1)`, [n]);
  return rows.map((r) => Number(r.seq)).sort((a, b) => a - b);
}

/** The columns of a task row that follow from the task alone (what claims, listings and idempotency filter on), as jsonb_to_recordset reads them. */
export function taskColumns(t: Task): Record<string, unknown> {
  return {
    id: t._id,
    queue: t.queue,
    seq: t.seq,
    status: t.status,
    priority: t.priority,
    to_number: t.data.to,
    send_at_ms: ms(t.sendAt),
    valid_until_ms: ms(t.validUntil),
    modems: t.modems?.length ? t.modems : null,
    idempotency_key: t.idempotencyKey ?? null,
    updated_ms: Date.parse(t.updatedAt),
    doc: t,
  };
}

/**
 * Inserts new tasks (one statement), numbering them from the shared sequence in their
 * order: each task's `seq` (and its document's) is set from what the statement drew.
 */
export async function insertNewTasks(sql: Sql, tasks: Task[]): Promise<void> {
  if (!tasks.length) return;
  // The sorted subquery is not merged into the one that draws the numbers (it has an
  // ORDER BY, that one a volatile function): the numbers follow the tasks' order.
  const rows = await sql.query(
    `INSERT INTO tasks (id, queue, seq, status, priority, to_number, send_at_ms, valid_until_ms, modems, idempotency_key, updated_ms, doc)
     SELECT n.id, n.queue, n.seq, n.status, n.priority, n.to_number, n.send_at_ms, n.valid_until_ms,
            CASE WHEN n.modems IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(n.modems)) END,
            n.idempotency_key, n.updated_ms, jsonb_set(n.doc, '{seq}', to_jsonb(n.seq))
     FROM (SELECT x.*, nextval('katar_seq') AS seq
           FROM (SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(i integer, id text, queue text, status text, priority integer, to_number text,
                   send_at_ms bigint, valid_until_ms bigint, modems jsonb, idempotency_key text, updated_ms bigint, doc jsonb)
                 ORDER BY r.i) x) n
     RETURNING id, seq`,
    [JSON.stringify(tasks.map((t, i) => ({ i, ...taskColumns(t) })))],
  );
  const seqOf = new Map(rows.map((r) => [r.id as string, Number(r.seq)]));
  for (const t of tasks) t.seq = seqOf.get(t._id)!;
}

/**
 * Writes a task that no worker holds (queued again, paused, finished): its lease columns
 * cleared, `readyTick` the tick before which it is not handed out (a retry backoff; 0:
 * none). The lease token moves on, so a write conditioned on the old one fails.
 */
export async function saveUnleased(sql: Sql, t: Task, readyTick: number): Promise<void> {
  await sql.query(
    `UPDATE tasks SET status = $2, priority = $3, ready_tick = $4, lease_worker = NULL, lease_expires_tick = NULL, submitting = false,
       lease_token = lease_token + 1, updated_ms = $5, finished_at_ms = $6, doc = $7 WHERE id = $1`,
    [t._id, t.status, t.priority, readyTick, Date.parse(t.updatedAt), ms(t.finishedAt), t],
  );
}

/** Replaces the document of a task, its lease and status untouched (delivery reports, `sentMs`: a part was just sent). */
export async function saveDoc(sql: Sql, t: Task, sentMs?: number): Promise<void> {
  await sql.query('UPDATE tasks SET doc = $2, updated_ms = $3, sent_ms = COALESCE($4, sent_ms) WHERE id = $1', [t._id, t, Date.parse(t.updatedAt), sentMs ?? null]);
}

/** The tasks with these ids, locked for this transaction (FOR UPDATE), by id. */
export async function lockTasks(sql: Sql, ids: string[]): Promise<Map<string, Task>> {
  if (!ids.length) return new Map();
  const rows = await sql.query('SELECT doc FROM tasks WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [ids]);
  return new Map(rows.map((r) => [taskOf(r)._id, taskOf(r)]));
}

/** A task by id, unlocked. */
export async function readTask(sql: Sql, id: string): Promise<Task | undefined> {
  const [r] = await sql.query('SELECT doc FROM tasks WHERE id = $1', [id]);
  return r ? taskOf(r) : undefined;
}

/** Inserts a received SMS; undefined when its dedup key is already stored in its queue. */
export async function insertEntry(sql: Sql, e: InboxEntry): Promise<boolean> {
  const rows = await sql.query(
    `INSERT INTO inbox (id, queue, seq, from_number, received_ms, dedup_key, doc) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (queue, dedup_key) DO NOTHING RETURNING id`,
    [e._id, e.queue, e.seq, e.from, Date.parse(e.receivedAt), e.dedupKey ?? null, e],
  );
  return rows.length > 0;
}

/**
 * The statement that appends events, numbered from the one counter row. Taking its row
 * lock is the last thing a transaction does before COMMIT, so events become visible in
 * id order: a reader that saw event n never later finds an event below n appear. `box`
 * marks the writer (each box tells its listeners of the others' events; the katar_events
 * notification names the writer, the newest id, how many and of which types, so a box
 * whose listeners want none of them need not read them); `tasksNotice`
 * is the batch's katar_tasks notification (pg-batch.ts). `numbered(rows)` gives the
 * events their ids from the statement's rows.
 */
export function eventsStatement(drafts: EventDraftAny[], at: string, box: string, tasksNotice?: string): { text: string; values: unknown[]; numbered: (rows: Row[]) => Array<EventDraftAny & { id: number; time: string }> } {
  // One statement from the counter's lock to COMMIT: the number, the rows and the
  // notifications, so the writers that take turns on the counter wait as little as can be.
  return {
    text: `WITH c AS (UPDATE event_counter SET last = last + $3 RETURNING last),
     ins AS (INSERT INTO events (id, type, time_ms, queue, data, box)
       SELECT c.last - $3 + 1 + x.i, x.type, x.time_ms, x.queue, x.data, $2
       FROM c, jsonb_to_recordset($1::jsonb) AS x(i integer, type text, time_ms bigint, queue text, data jsonb))
     SELECT c.last${tasksNotice !== undefined ? ", pg_notify('katar_tasks', $5)" : ''}, pg_notify('katar_events', json_build_object('box', $2::text, 'newest', c.last, 'count', $3::integer, 'types', $4::json)::text) FROM c`,
    values: [
      JSON.stringify(drafts.map((e, i) => ({ i, type: e.type, time_ms: Date.parse(at), queue: e.queue ?? null, data: e.data }))),
      box,
      drafts.length,
      JSON.stringify([...new Set(drafts.map((e) => e.type))]),
      ...(tasksNotice !== undefined ? [tasksNotice] : []),
    ],
    numbered: ([r]) => {
      const first = Number(r!.last) - drafts.length + 1;
      return drafts.map((d, i) => ({ ...d, id: first + i, time: at }));
    },
  };
}

