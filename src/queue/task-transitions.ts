import { KatarError } from '../errors.js';
import { iso, type Changed, type TaskChanges } from './task-changes.js';
import type { Task, TaskStatus } from './task.js';

/**
 * Cancel, pause, resume: moves task `id` of `queue` from one of `from` to `to`.
 * TASK_NOT_FOUND when the queue has no such task, TASK_CONFLICT when it is in another
 * status (or finished). A cancelled task goes to history, a resumed one back into the
 * ready index.
 */
export async function transition(c: TaskChanges, queue: string, id: string, from: TaskStatus[], to: TaskStatus): Promise<Changed> {
  const t = c.store.live.get(id);
  if (!t || t.queue !== queue) {
    const done = await c.readFinished(id);
    if (done && done.queue === queue) throw new KatarError('TASK_CONFLICT', `task ${id} is ${done.status}; only ${from.join(' or ')} tasks can become ${to}`, { id, status: done.status });
    throw new KatarError('TASK_NOT_FOUND', `task ${id} not found in queue "${queue}"`, { id });
  }
  if (!from.includes(t.status)) throw new KatarError('TASK_CONFLICT', `task ${id} is ${t.status}; only ${from.join(' or ')} tasks can become ${to}`, { id, status: t.status });
  const now = c.now();
  if (to === 'cancelled') return [c.finish(t, 'cancelled', now), t.status];
  const next: Task = { ...t, status: to, updatedAt: iso(now.wall) };
  c.put(next);
  if (to === 'queued') c.indexes.ready(queue)!.add(next, now);
  return [next, t.status];
}
