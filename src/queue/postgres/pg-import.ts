/**
 * Rows of a queue copied from elsewhere (`katar-sms store migrate`), written as the
 * PostgreSQL queue writes its own (pg-rows.ts, pg-claims.ts, pg-deliveries.ts,
 * pg-subscriptions.ts): the same document beside the same columns, ids, seqs and event
 * ids kept. Many rows a statement (jsonb_to_recordset), all inside the caller's one
 * transaction.
 */
import { hasPartList } from '../delivery-status.js';
import type { GatewayEvent } from '../gateway-event.js';
import type { DeadLetter } from '../sms-queue.js';
import { isFinished, TASK_STATUSES, type InboxEntry, type Task, type TaskStatus } from '../task.js';
import type { Sql } from './pg-pool.js';
import { taskColumns } from './pg-rows.js';

/** A task to write, with its durations already placed on the shared tick line (db-clock.ts). */
export interface ImportedTask {
  task: Task;
  /** Tick before which it is not handed out (0: none). */
  readyTick: number;
  /** Tick at which a kept lease ends; absent when no worker holds it. */
  leaseExpiresTick?: number;
}

/** What a database holds of a queue, per kind. */
export interface QueueContents {
  tasks: Record<TaskStatus, number>;
  /** Tasks that carry an idempotency key. */
  idempotencyKeys: number;
  /** Tasks with sent parts (a status report may still be matched to them). */
  sentParts: number;
  inbox: number;
  /** Received SMS with a dedupe key. */
  dedupKeys: number;
  events: number;
  /** The last event id handed out (the event counter). */
  lastEventId: number;
  subscriptions: number;
  deadLetters: number;
  /** Dead letters dropped past the limit, as counted. */
  droppedLetters: number;
}

const ms = (s: string | undefined): number | null => (s === undefined ? null : Date.parse(s));

/** When the task's last part was sent (the `sent_ms` the delivery book restores from), or null. */
function lastSentMs(t: Task): number | null {
  if (!hasPartList(t.delivery)) return null;
  let last: number | null = null;
  for (const p of t.delivery.parts) if (p && Number.isFinite(Date.parse(p.sentAt))) last = Math.max(last ?? -Infinity, Date.parse(p.sentAt));
  return last;
}

/**
 * Takes the tables for the copy: no gateway of the fleet writes them until COMMIT (one
 * that starts meanwhile waits), so the emptiness seen before the copy is still true at
 * its end.
 */
export async function lockForImport(sql: Sql): Promise<void> {
  await sql.query('LOCK TABLE tasks, inbox, events, event_counter, subscriptions, dead_letters, dead_letter_drops IN EXCLUSIVE MODE');
}

/** What the database holds now, per kind. */
export async function queueContents(sql: Sql): Promise<QueueContents> {
  const tasks = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
  for (const r of await sql.query('SELECT status, count(*)::bigint AS n FROM tasks GROUP BY status')) tasks[r.status as TaskStatus] = Number(r.n);
  const [r] = await sql.query(`SELECT
    (SELECT count(idempotency_key) FROM tasks) AS keys, (SELECT count(sent_ms) FROM tasks) AS sent,
    (SELECT count(*) FROM inbox) AS inbox, (SELECT count(dedup_key) FROM inbox) AS dedup,
    (SELECT count(*) FROM events) AS events, (SELECT last FROM event_counter) AS last_event,
    (SELECT count(*) FROM subscriptions) AS subs, (SELECT count(*) FROM dead_letters) AS letters,
    (SELECT COALESCE(sum(dropped), 0) FROM dead_letter_drops) AS dropped`);
  return {
    tasks,
    idempotencyKeys: Number(r!.keys),
    sentParts: Number(r!.sent),
    inbox: Number(r!.inbox),
    dedupKeys: Number(r!.dedup),
    events: Number(r!.events),
    lastEventId: Number(r!.last_event ?? 0),
    subscriptions: Number(r!.subs),
    deadLetters: Number(r!.letters),
    droppedLetters: Number(r!.dropped),
  };
}

/** Writes tasks, live or finished, with every column the queue filters on (the lease columns of a kept lease too). */
export async function importTasks(sql: Sql, rows: ImportedTask[]): Promise<void> {
  if (!rows.length) return;
  await sql.query(
    `INSERT INTO tasks (id, queue, seq, status, priority, to_number, send_at_ms, valid_until_ms, ready_tick, modems, idempotency_key,
                        lease_worker, lease_expires_tick, lease_token, submitting, updated_ms, finished_at_ms, sent_ms, doc)
     SELECT x.id, x.queue, x.seq, x.status, x.priority, x.to_number, x.send_at_ms, x.valid_until_ms, x.ready_tick,
            CASE WHEN x.modems IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(x.modems)) END,
            x.idempotency_key, x.lease_worker, x.lease_expires_tick, x.lease_token, x.submitting, x.updated_ms, x.finished_at_ms, x.sent_ms, x.doc
     FROM jsonb_to_recordset($1::jsonb) AS x(id text, queue text, seq bigint, status text, priority integer, to_number text, send_at_ms bigint,
          valid_until_ms bigint, ready_tick bigint, modems jsonb, idempotency_key text, lease_worker text, lease_expires_tick bigint,
          lease_token bigint, submitting boolean, updated_ms bigint, finished_at_ms bigint, sent_ms bigint, doc jsonb)`,
    [
      JSON.stringify(
        rows.map(({ task: t, readyTick, leaseExpiresTick }) => {
          const leased = t.status === 'in progress' && t.lease !== undefined && leaseExpiresTick !== undefined;
          return {
            ...taskColumns(t),
            ready_tick: readyTick,
            lease_worker: leased ? t.lease!.worker : null,
            lease_expires_tick: leased ? leaseExpiresTick : null,
            // A claim moves the token on; a kept lease counts as one hand-out.
            lease_token: leased ? 1 : 0,
            submitting: leased ? t.lease!.submitting === true : false,
            finished_at_ms: isFinished(t.status) ? ms(t.finishedAt ?? t.updatedAt) : null,
            sent_ms: lastSentMs(t),
          };
        }),
      ),
    ],
  );
}

/** Writes received SMS, their dedupe keys in the column the unique index holds. */
export async function importInbox(sql: Sql, entries: InboxEntry[]): Promise<void> {
  if (!entries.length) return;
  await sql.query(
    `INSERT INTO inbox (id, queue, seq, from_number, received_ms, dedup_key, doc)
     SELECT x.id, x.queue, x.seq, x.from_number, x.received_ms, x.dedup_key, x.doc
     FROM jsonb_to_recordset($1::jsonb) AS x(id text, queue text, seq bigint, from_number text, received_ms bigint, dedup_key text, doc jsonb)`,
    [JSON.stringify(entries.map((e) => ({ id: e._id, queue: e.queue, seq: e.seq, from_number: e.from, received_ms: Date.parse(e.receivedAt), dedup_key: e.dedupKey ?? null, doc: e })))],
  );
}

/** Writes events with their ids (no box wrote them: `box` is NULL). */
export async function importEvents(sql: Sql, events: GatewayEvent[]): Promise<void> {
  if (!events.length) return;
  await sql.query(
    `INSERT INTO events (id, type, time_ms, queue, data, box)
     SELECT x.id, x.type, x.time_ms, x.queue, x.data, NULL FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, type text, time_ms bigint, queue text, data jsonb)`,
    [JSON.stringify(events.map((e) => ({ id: e.id, type: e.type, time_ms: Date.parse(e.time), queue: e.queue ?? null, data: e.data })))],
  );
}

/** Writes subscription cursors, dead letters and the count of dropped ones (two letters of one event are kept as one: the count check tells). */
export async function importSubscriptions(sql: Sql, cursors: Record<string, number>, dead: ReadonlyMap<string, { letters: DeadLetter[]; dropped: number }>): Promise<void> {
  const names = Object.keys(cursors);
  if (names.length) {
    await sql.query('INSERT INTO subscriptions (name, cursor) SELECT * FROM unnest($1::text[], $2::bigint[])', [names, names.map((n) => cursors[n])]);
  }
  for (const [name, { letters, dropped }] of dead) {
    if (letters.length) {
      await sql.query(
        `INSERT INTO dead_letters (name, event_id, at_ms, letter)
         SELECT $1, x.event_id, x.at_ms, x.letter FROM jsonb_to_recordset($2::jsonb) AS x(event_id bigint, at_ms bigint, letter jsonb)
         ON CONFLICT (name, event_id) DO NOTHING`,
        [name, JSON.stringify(letters.map((l) => ({ event_id: l.event.id, at_ms: Date.parse(l.at) || 0, letter: l })))],
      );
    }
    if (dropped > 0) await sql.query('INSERT INTO dead_letter_drops (name, dropped) VALUES ($1, $2)', [name, dropped]);
  }
}

/**
 * Moves the counters past what was copied: the shared sequence (tasks and received SMS)
 * to `maxSeq`, the event counter to `lastEventId`, so new ones continue after them.
 * Neither ever goes back. (A sequence is not transactional: after a rollback it stays
 * moved, which only skips numbers.)
 */
export async function advanceCounters(sql: Sql, maxSeq: number, lastEventId: number): Promise<void> {
  const [s] = await sql.query('SELECT last_value, is_called FROM katar_seq');
  const current = s!.is_called ? Number(s!.last_value) : 0;
  if (maxSeq > current) await sql.query(`SELECT setval('katar_seq', $1, true)`, [maxSeq]);
  await sql.query('UPDATE event_counter SET last = GREATEST(last, $1)', [lastEventId]);
}
