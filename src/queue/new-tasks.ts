import { KatarError } from '../errors.js';
import { newId } from './ids.js';
import type { NewTask } from './queue-types.js';
import { iso, type TaskChanges } from './task-changes.js';
import type { Attempt, SmsData, Task } from './task.js';

/**
 * The attempts of every task not yet handed out: one shared frozen array, not one per
 * task. Safe because attempts are never changed in place (each change copies them into
 * the task's next version); the freeze makes a change in place fail loudly.
 */
const NO_ATTEMPTS = Object.freeze([]) as unknown as Attempt[];

/** A key reused for another recipient or text: refused, since answering with the first task would silently drop the new SMS. */
function conflict(key: string): KatarError {
  return new KatarError('IDEMPOTENCY_CONFLICT', `idempotencyKey ${JSON.stringify(key)} was used for another message (to/msg differ); use a new key`, { field: 'idempotencyKey', key });
}

const sameMessage = (a: SmsData, b: SmsData): boolean => a.to === b.to && a.msg === b.msg;

/**
 * The task each item's idempotency key already names (live or finished), by item index.
 * Throws IDEMPOTENCY_CONFLICT when a key is known, or repeated within the batch, with
 * another `to` or `msg`; nothing has been changed then, so the batch is all or nothing.
 */
async function knownTasks(c: TaskChanges, queue: string, items: NewTask[]): Promise<Map<number, Task>> {
  const known = new Map<number, Task>();
  const firstInBatch = new Map<string, SmsData>();
  for (const [i, item] of items.entries()) {
    const key = item.idempotencyKey;
    if (key === undefined) continue;
    const existingId = c.indexes.taskWithKey(queue, key);
    const existing = existingId ? (c.store.live.get(existingId) ?? (await c.readFinished(existingId))) : undefined;
    if (existing) {
      if (!sameMessage(existing.data, item.data)) throw conflict(key);
      known.set(i, existing);
      continue;
    }
    const earlier = firstInBatch.get(key);
    if (earlier && !sameMessage(earlier, item.data)) throw conflict(key);
    if (!earlier) firstInBatch.set(key, item.data);
  }
  return known;
}

/**
 * Adds `items` to `queue` in memory (durable at the next commit): each gets the next seq
 * and goes into the listing order, the idempotency map and, unless paused, the ready
 * index. An item whose idempotency key is known returns the first task instead
 * (`created` false), live or finished, when its `to` and `msg` are the first task's;
 * otherwise the whole batch is refused (IDEMPOTENCY_CONFLICT) before anything is added.
 * The caller has checked the queue and the limits.
 */
export async function addTasks(c: TaskChanges, queue: string, items: NewTask[]): Promise<Array<{ task: Task; created: boolean }>> {
  const known = await knownTasks(c, queue, items);
  const now = c.now();
  // One string for every timestamp of the batch: 100,000 queued tasks keep 40 bytes
  // each less than with a createdAt and an updatedAt of their own.
  const at = iso(now.wall);
  const out: Array<{ task: Task; created: boolean }> = [];
  for (const [i, item] of items.entries()) {
    const existing = known.get(i);
    if (existing) {
      out.push({ task: existing, created: false });
      continue;
    }
    // A key repeated within this batch: the task its first item just created.
    const sameBatchId = c.indexes.taskWithKey(queue, item.idempotencyKey);
    const sameBatch = sameBatchId ? c.store.live.get(sameBatchId) : undefined;
    if (sameBatch) {
      out.push({ task: sameBatch, created: false });
      continue;
    }
    const task = newTaskRecord(item, queue, ++c.store.maxSeq, now.wall, at, NO_ATTEMPTS);
    c.created(task, now);
    c.indexes.taskOrder.append(task);
    if (item.idempotencyKey !== undefined) c.indexes.rememberKey(queue, item.idempotencyKey, task._id);
    if (task.status === 'queued') c.indexes.ready(queue)!.add(task, now);
    out.push({ task, created: true });
  }
  return out;
}

/**
 * The task a new send becomes, before it is stored: queued (or paused), no attempt yet.
 * `at` is iso(wallMs), passed in so that a batch shares one string.
 */
export function newTaskRecord(item: NewTask, queue: string, seq: number, wallMs: number, at: string, attempts: Attempt[] = []): Task {
  const task: Task = {
    _id: newId(wallMs),
    queue,
    seq,
    data: { to: item.data.to, msg: item.data.msg },
    status: item.paused ? 'paused' : 'queued',
    priority: item.priority ?? 0,
    parts: item.parts,
    createdAt: at,
    updatedAt: at,
    attempts,
  };
  if (item.sendAt) task.sendAt = item.sendAt.toISOString();
  if (item.validUntil) task.validUntil = item.validUntil.toISOString();
  if (item.idempotencyKey !== undefined) task.idempotencyKey = item.idempotencyKey;
  if (item.via !== undefined) task.via = item.via;
  if (item.modems?.length) task.modems = [...item.modems];
  return task;
}
