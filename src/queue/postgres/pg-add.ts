/**
 * New tasks in the shared queue: idempotency keys are unique per queue across the fleet
 * (a unique index), so a key two boxes take at once yields one task; the loser's
 * transaction fails on the index and is tried again, then finds the winner's task.
 */
import { KatarError } from '../../errors.js';
import { newTaskRecord } from '../new-tasks.js';
import type { NewTask } from '../queue-types.js';
import { queuedEvent } from '../task-events.js';
import type { SmsData, Task } from '../task.js';
import { iso, type PgBatch } from './pg-batch.js';
import { insertTasks, nextSeqs, taskOf } from './pg-rows.js';

function conflict(key: string): KatarError {
  return new KatarError('IDEMPOTENCY_CONFLICT', `idempotencyKey ${JSON.stringify(key)} was used for another message (to/msg differ); use a new key`, { field: 'idempotencyKey', key });
}

const sameMessage = (a: SmsData, b: SmsData): boolean => a.to === b.to && a.msg === b.msg;

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
export async function addTasks(b: PgBatch, queue: string, items: NewTask[], known: Map<string, Task>, fresh: number): Promise<Array<{ task: Task; created: boolean }>> {
  const seqs = fresh ? await nextSeqs(b.sql, fresh) : [];
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
    const task = newTaskRecord(item, queue, seqs[created.length]!, b.now.wall, at);
    if (item.idempotencyKey !== undefined) byKey.set(item.idempotencyKey, task);
    created.push(task);
    out.push({ task, created: true });
  }
  await insertTasks(b.sql, created);
  for (const t of created) {
    b.note(t, null);
    b.event(queuedEvent(t));
  }
  return out;
}
