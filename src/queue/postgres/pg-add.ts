/**
 * New tasks in the shared queue: idempotency keys are unique per queue across the fleet
 * (a unique index), so a key two boxes take at once yields one task; the loser's
 * transaction fails on the index and is tried again, then finds the winner's task.
 * `addCalls` judges and inserts many calls of `add` at once (group commit,
 * pg-add-group.ts); `plannedNew` and `addTasks` do one call (its fallback).
 */
import { KatarError } from '../../errors.js';
import { newTaskRecord } from '../new-tasks.js';
import type { NewTask } from '../queue-types.js';
import { queuedEvent } from '../task-events.js';
import type { SmsData, Task } from '../task.js';
import { iso, type PgBatch } from './pg-batch.js';
import { insertNewTasks, taskOf } from './pg-rows.js';

function conflict(key: string): KatarError {
  return new KatarError('IDEMPOTENCY_CONFLICT', `idempotencyKey ${JSON.stringify(key)} was used for another message (to/msg differ); use a new key`, { field: 'idempotencyKey', key });
}

const sameMessage = (a: SmsData, b: SmsData): boolean => a.to === b.to && a.msg === b.msg;

type Added = Array<{ task: Task; created: boolean }>;

/** Refuses `fresh` new tasks when the live tasks (`live`, this box's count of the fleet's) would pass `max` (maxLiveTasks). */
export function checkRoom(live: number, fresh: number, max: number): void {
  if (fresh > 0 && live + fresh > max) {
    throw new KatarError('QUEUE_FULL', `the queue holds ${live} unsent tasks, the most it takes is ${max} (maxLiveTasks); retry later`, { retryAfterSeconds: 30, limit: max });
  }
}

/** The tasks the batch's idempotency keys already name in `queue`, by key. */
async function knownKeys(b: PgBatch, queue: string, items: NewTask[]): Promise<Map<string, Task>> {
  const keys = [...new Set(items.flatMap((i) => (i.idempotencyKey === undefined ? [] : [i.idempotencyKey])))];
  if (!keys.length) return new Map();
  const rows = await b.sql.query('SELECT doc FROM tasks WHERE queue = $1 AND idempotency_key = ANY($2::text[])', [queue, keys]);
  return new Map(rows.map((r) => [taskOf(r).idempotencyKey!, taskOf(r)]));
}

/** How many tasks `items` would create (keys known or repeated create none). */
export async function plannedNew(b: PgBatch, queue: string, items: NewTask[]): Promise<{ fresh: number; known: Map<string, Task> }> {
  const known = await knownKeys(b, queue, items);
  const seen = new Map<string, SmsData>();
  let fresh = 0;
  for (const item of items) {
    const key = item.idempotencyKey;
    if (key === undefined) {
      fresh++;
      continue;
    }
    const existing = known.get(key);
    if (existing) {
      if (!sameMessage(existing.data, item.data)) throw conflict(key);
      continue;
    }
    const earlier = seen.get(key);
    if (earlier && !sameMessage(earlier, item.data)) throw conflict(key);
    if (!earlier) {
      seen.set(key, item.data);
      fresh++;
    }
  }
  return { fresh, known };
}

/** Adds `items` to `queue` (after `plannedNew` judged them): each new task with its `sms.queued` event. */
export async function addTasks(b: PgBatch, queue: string, items: NewTask[], known: Map<string, Task>): Promise<Array<{ task: Task; created: boolean }>> {
  const at = iso(b.now.wall);
  const byKey = new Map(known);
  const created: Task[] = [];
  const out: Array<{ task: Task; created: boolean }> = [];
  for (const item of items) {
    const existing = item.idempotencyKey !== undefined ? byKey.get(item.idempotencyKey) : undefined;
    if (existing) {
      out.push({ task: existing, created: false });
      continue;
    }
    // Numbered by the insert (pg-rows.ts).
    const task = newTaskRecord(item, queue, 0, b.now.wall, at);
    if (item.idempotencyKey !== undefined) byKey.set(item.idempotencyKey, task);
    created.push(task);
    out.push({ task, created: true });
  }
  await insertNewTasks(b.sql, created);
  for (const t of created) {
    b.note(t, null);
    b.event(queuedEvent(t));
  }
  return out;
}

/** One call of `add` in a group. */
export interface AddCall {
  queue: string;
  items: NewTask[];
}

/** What became of one call: its tasks, or its refusal. */
export type CallOutcome = { out: Added } | { err: unknown };

const keyOf = (queue: string, key: string): string => `${queue}\u0000${key}`;

/** The tasks the idempotency keys of all `calls` already name, by queue and key (one statement). */
async function knownKeysOfCalls(b: PgBatch, calls: readonly AddCall[]): Promise<Map<string, Task>> {
  const pairs = new Map<string, [string, string]>();
  for (const c of calls) for (const i of c.items) if (i.idempotencyKey !== undefined) pairs.set(keyOf(c.queue, i.idempotencyKey), [c.queue, i.idempotencyKey]);
  if (!pairs.size) return new Map();
  const rows = await b.sql.query(
    'SELECT doc FROM tasks WHERE (queue, idempotency_key) IN (SELECT * FROM unnest($1::text[], $2::text[]))',
    [[...pairs.values()].map((p) => p[0]), [...pairs.values()].map((p) => p[1])],
  );
  return new Map(rows.map((r) => [keyOf(taskOf(r).queue, taskOf(r).idempotencyKey!), taskOf(r)]));
}

/**
 * Judges `calls` in order, as if each ran alone after the ones before it: a key known or
 * used by an earlier call of the group for another message refuses the call
 * (IDEMPOTENCY_CONFLICT), as does passing maxLiveTasks (`live` tasks before the group,
 * `max`: QUEUE_FULL). Then the new tasks of every accepted call are inserted by one
 * statement, which numbers them too. A refused call changes nothing. A statement that fails
 * (another box took a key meanwhile) throws: the caller rolls back and runs the calls one
 * by one.
 */
export async function addCalls(b: PgBatch, calls: readonly AddCall[], live: number, max: number): Promise<CallOutcome[]> {
  const known = await knownKeysOfCalls(b, calls);
  // Keys the accepted calls of the group create, with their message (their task comes later).
  const groupKeys = new Map<string, SmsData>();
  const plans: Array<{ fresh: number } | { err: unknown }> = [];
  let total = 0;
  for (const call of calls) {
    try {
      const mine = new Map<string, SmsData>();
      let fresh = 0;
      for (const item of call.items) {
        const key = item.idempotencyKey;
        if (key === undefined) {
          fresh++;
          continue;
        }
        const k = keyOf(call.queue, key);
        const earlier = known.get(k)?.data ?? groupKeys.get(k) ?? mine.get(k);
        if (earlier && !sameMessage(earlier, item.data)) throw conflict(key);
        if (!earlier) {
          mine.set(k, item.data);
          fresh++;
        }
      }
      checkRoom(live + total, fresh, max);
      for (const [k, data] of mine) groupKeys.set(k, data);
      plans.push({ fresh });
      total += fresh;
    } catch (err) {
      plans.push({ err });
    }
  }
  const at = iso(b.now.wall);
  const byKey = new Map(known);
  const created: Task[] = [];
  const outcomes = calls.map((call, i): CallOutcome => {
    const plan = plans[i]!;
    if ('err' in plan) return plan;
    const out: Added = [];
    for (const item of call.items) {
      const k = item.idempotencyKey !== undefined ? keyOf(call.queue, item.idempotencyKey) : undefined;
      const existing = k !== undefined ? byKey.get(k) : undefined;
      if (existing) {
        out.push({ task: existing, created: false });
        continue;
      }
      const task = newTaskRecord(item, call.queue, 0, b.now.wall, at);
      if (k !== undefined) byKey.set(k, task);
      created.push(task);
      out.push({ task, created: true });
    }
    return { out };
  });
  await insertNewTasks(b.sql, created);
  for (const t of created) {
    b.note(t, null);
    b.event(queuedEvent(t));
  }
  return outcomes;
}
