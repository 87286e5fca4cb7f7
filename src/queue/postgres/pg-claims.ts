/**
 * The hand-out and what runs out, in SQL: the claim is one statement (FOR UPDATE SKIP
 * LOCKED, so two boxes never take the same task, and neither waits for the other's
 * rows), leases and validity are ended by the rules of expiry.ts.
 */
import { unknownEnd } from '../attempt-rules.js';
import type { LeaseAccept } from '../lease-filter.js';
import type { Task } from '../task.js';
import { iso, type PgBatch } from './pg-batch.js';
import { taskOf } from './pg-rows.js';

/**
 * Hands up to `max` due tasks of `queue` to `worker`: highest priority first, then
 * insertion order, only those `accept` may take (lease-filter.ts: `modems IS NULL OR
 * $modem = ANY(modems)`). Each gets a new attempt, a lease and a new lease token.
 */
export async function claim(b: PgBatch, queue: string, worker: string, max: number, leaseMs: number, accept?: LeaseAccept): Promise<Task[]> {
  const { wall, tick } = b.now;
  const route = accept?.modem !== undefined ? 'AND (modems IS NULL OR $7::text = ANY(modems))' : 'AND modems IS NULL';
  const values: unknown[] = [queue, worker, wall, tick, tick + leaseMs, max, ...(accept?.modem !== undefined ? [accept.modem] : [])];
  const at = JSON.stringify(iso(wall));
  const expires = JSON.stringify(iso(wall + leaseMs));
  const rows = await b.sql.query(
    `UPDATE tasks t SET status = 'in progress', lease_worker = $2, lease_expires_tick = $5, lease_token = t.lease_token + 1, submitting = false,
       ready_tick = 0, updated_ms = $3,
       doc = (t.doc - 'notBefore') || jsonb_build_object(
         'status', 'in progress', 'updatedAt', '${at}'::jsonb,
         'lease', jsonb_build_object('worker', $2::text, 'expiresAt', '${expires}'::jsonb),
         'attempts', (t.doc -> 'attempts') || jsonb_build_array(jsonb_build_object('n', jsonb_array_length(t.doc -> 'attempts') + 1, 'worker', $2::text, 'startedAt', '${at}'::jsonb)))
     WHERE t.id IN (
       SELECT id FROM tasks
       WHERE queue = $1 AND status = 'queued' AND (send_at_ms IS NULL OR send_at_ms <= $3) AND ready_tick <= $4 ${route}
       ORDER BY priority DESC, seq LIMIT $6
       FOR UPDATE SKIP LOCKED)
     RETURNING t.doc`,
    values,
  );
  const taken = rows.map(taskOf).sort((x, y) => y.priority - x.priority || x.seq - y.seq);
  for (const t of taken) b.note(t, 'queued');
  return taken;
}

/**
 * Ends the leases that ran out (on the tick line): requeued (or failed after
 * `maxAttempts`) when nothing was written to the modem yet, failed as "outcome unknown"
 * when it was. Rows another transaction holds are left for the next sweep.
 */
export async function expireLeases(b: PgBatch): Promise<void> {
  const queues = [...b.settings.keys()];
  const rows = await b.sql.query(
    `SELECT doc, submitting FROM tasks WHERE status = 'in progress' AND lease_expires_tick <= $1 AND queue = ANY($2::text[]) ORDER BY lease_expires_tick LIMIT 1000 FOR UPDATE SKIP LOCKED`,
    [b.now.tick, queues],
  );
  for (const r of rows) {
    const t = taskOf(r);
    const settings = b.settings.get(t.queue)!;
    if (r.submitting) await b.endAttempt(t, unknownEnd(t, settings, 'lease ended while the modem was sending'));
    else if (t.attempts.length >= settings.maxAttempts) await b.endAttempt(t, { outcome: 'expired', error: `lease expired ${t.attempts.length} times without a report`, status: 'failed' });
    else await b.endAttempt(t, { outcome: 'expired', status: 'queued' });
  }
}

/** Fails the queued and paused tasks (of `queue`, or of every queue) whose `validUntil` has passed. */
export async function expireValidity(b: PgBatch, queue?: string): Promise<void> {
  const queues = queue !== undefined ? [queue] : [...b.settings.keys()];
  const rows = await b.sql.query(
    `SELECT doc FROM tasks WHERE status IN ('queued', 'paused') AND valid_until_ms IS NOT NULL AND valid_until_ms <= $1 AND queue = ANY($2::text[])
     ORDER BY valid_until_ms LIMIT 1000 FOR UPDATE SKIP LOCKED`,
    [b.now.wall, queues],
  );
  for (const r of rows) await b.failExpired(taskOf(r));
}

/**
 * At start, the leases this box's built-in workers held when it stopped: back to the
 * queue, or failed as "outcome unknown" when the modem may already have sent them.
 * Only this box's workers (`isLocal`): another box's leases are still being worked on.
 */
export async function endOrphanedLeases(b: PgBatch, isLocal: (worker: string) => boolean): Promise<void> {
  const rows = await b.sql.query(`SELECT doc, lease_worker, submitting FROM tasks WHERE status = 'in progress' AND queue = ANY($1::text[]) FOR UPDATE SKIP LOCKED`, [[...b.settings.keys()]]);
  for (const r of rows) {
    if (!isLocal(r.lease_worker as string)) continue;
    const t = taskOf(r);
    const why = r.submitting ? 'gateway stopped while the modem was sending' : 'gateway stopped before sending';
    await b.endAttempt(t, r.submitting ? unknownEnd(t, b.settings.get(t.queue)!, why) : { outcome: 'expired', error: why, status: 'queued' });
  }
}
