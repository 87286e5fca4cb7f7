import { expireLeases, failExpired } from './expiry.js';
import type { LeaseAccept } from './lease-filter.js';
import { iso, type Changed, type TaskChanges } from './task-changes.js';
import type { Attempt, Task } from './task.js';

/**
 * Hands up to `max` due tasks of `queue` to `worker` for `leaseMs`: highest priority
 * first, then oldest; each is `in progress` under a lease until a report or the lease's
 * end. Only tasks `accept` may take are looked at (lease-filter.ts; without it, unrouted
 * ones). Leases that ran out are ended first, and a task whose validity passed is failed
 * instead of handed out. `changed` holds every task the hand-out changed.
 */
export function handOut(c: TaskChanges, queue: string, worker: string, max: number, leaseMs: number, accept?: LeaseAccept): { taken: Task[]; changed: Changed[] } {
  const now = c.now();
  const changed = expireLeases(c, now);
  const index = c.indexes.ready(queue)!;
  const taken: Task[] = [];
  while (taken.length < max) {
    const t = index.take(now, (id) => c.store.live.get(id), accept);
    if (!t) break;
    if (t.validUntil && Date.parse(t.validUntil) <= now.wall) {
      changed.push([failExpired(c, t, now), t.status]);
      continue;
    }
    const attempt: Attempt = { n: t.attempts.length + 1, worker, startedAt: iso(now.wall) };
    const next: Task = { ...t, status: 'in progress', updatedAt: iso(now.wall), lease: { worker, expiresAt: iso(now.wall + leaseMs) }, attempts: [...t.attempts, attempt] };
    delete next.notBefore;
    c.put(next);
    c.indexes.leases.arm(next._id, leaseMs);
    taken.push(next);
    changed.push([next, t.status]);
  }
  return { taken, changed };
}

/** Puts a task handed to a worker back in the queue, the hand-out undone: its attempt and lease (with any "submitting" mark) dropped. */
export function takeBack(c: TaskChanges, t: Task, why: string): Task {
  const attempts = t.attempts.slice(0, -1);
  const now = c.now();
  const next: Task = { ...t, status: 'queued', attempts, updatedAt: iso(now.wall), error: why };
  delete next.lease;
  c.indexes.leases.disarm(t._id);
  c.put(next);
  c.indexes.ready(t.queue)!.add(next, now);
  return next;
}
