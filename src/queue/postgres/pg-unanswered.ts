/**
 * Hand-outs whose worker never heard of them: the connection to the database died on the
 * COMMIT of a lease, so the lease may have committed while the worker was told it failed
 * (STORE_UNAVAILABLE). Such a task would stay leased, unsent, until its lease runs out
 * (a built-in worker's is 15 minutes), so the queue gives it back at its next sweep.
 */
import type { PgBatch } from './pg-batch.js';
import { takeBack } from './pg-reports.js';
import { lockTasks } from './pg-rows.js';

/** One task of a lease whose COMMIT went unanswered, and the attempt it would have started. */
export interface UnansweredLease {
  queue: string;
  worker: string;
  id: string;
  /** `startedAt` of the attempt the claim appended: it tells that hand-out from a later one. */
  startedAt: string;
}

/**
 * Undoes the hand-outs that did commit: only when the task is still in that very attempt,
 * leased to that worker and not submitting (the worker cannot have marked it, it never got
 * it). A lease that rolled back left the task to be leased again, maybe by the same
 * worker: that later attempt started at another time, and is left alone.
 */
export async function giveBackUnanswered(b: PgBatch, leases: UnansweredLease[]): Promise<void> {
  if (!leases.length) return;
  const rows = await lockTasks(b.sql, leases.map((l) => l.id));
  for (const l of leases) {
    const t = rows.get(l.id);
    if (!t || t.queue !== l.queue || t.status !== 'in progress' || t.lease?.worker !== l.worker || t.lease.submitting) continue;
    if (t.attempts.at(-1)?.startedAt !== l.startedAt) continue;
    await takeBack(b, l.queue, l.worker, l.id, 'its worker never got it: the answer to the lease was lost with the connection to the database');
  }
}
