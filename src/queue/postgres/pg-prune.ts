import type { ClockJump } from '../clock-watch.js';
import { DEFAULT_EVENT_DAYS, DEFAULT_MAX_EVENTS } from '../housekeeping.js';
import type { PruneResult, RetentionPolicy } from '../sms-queue.js';
import type { Database, Sql } from './pg-pool.js';

const DAY = 86_400_000;
/** Rows one DELETE removes at most: retention never holds a long transaction. */
const BATCH = 5_000;
/**
 * The advisory lock a retention run holds. Every box of a fleet runs the housekeeping
 * job; the one that gets this lock prunes, the others skip the run (it would only find
 * what the first one is removing). A session lock, not a transaction: the batches
 * commit one by one, so no long transaction holds back vacuum or other boxes.
 */
const RETENTION_LOCK = 0x6b617462; // 'katb'

/** What `old` keeps in SQL terms: the rule of housekeeping.ts's retentionRules (a clock jump judged by seq). */
function cut(policyDays: number, now: number, jump?: ClockJump): { cutoff: number; jumpSeq: number; beforeJumpOld: boolean } {
  return { cutoff: now - policyDays * DAY, jumpSeq: jump ? jump.seq : -1, beforeJumpOld: jump ? now - Date.parse(jump.at) >= policyDays * DAY : true };
}

async function deleteInBatches(db: Sql, text: string, values: unknown[]): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await db.query(text, [...values, BATCH]);
    total += rows.length;
    if (rows.length < BATCH) return total;
  }
}

/**
 * Removes finished tasks, received SMS and events older than the policy, a batch per
 * statement, on one box of the fleet at a time (RETENTION_LOCK).
 */
export async function pruneAll(pool: Database, policy: RetentionPolicy, now: number, jump?: ClockJump): Promise<PruneResult> {
  return pool.session(async (db) => {
    const [lock] = await db.query('SELECT pg_try_advisory_lock($1) AS got', [RETENTION_LOCK]);
    if (!lock?.got) return { tasks: 0, sms: 0, events: 0, skipped: true };
    try {
      return await pruneBatches(db, policy, now, jump);
    } finally {
      await db.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK]).catch(() => undefined);
    }
  });
}

async function pruneBatches(db: Sql, policy: RetentionPolicy, now: number, jump?: ClockJump): Promise<PruneResult> {
  const t = cut(policy.historyDays, now, jump);
  const tasks = await deleteInBatches(
    db,
    `DELETE FROM tasks WHERE id IN (SELECT id FROM tasks WHERE finished_at_ms IS NOT NULL
       AND ((seq <= $2 AND $3::boolean) OR (seq > $2 AND finished_at_ms < $1)) LIMIT $4) RETURNING 1`,
    [t.cutoff, t.jumpSeq, t.beforeJumpOld],
  );
  const s = cut(policy.inboxDays, now, jump);
  const sms = await deleteInBatches(
    db,
    `DELETE FROM inbox WHERE id IN (SELECT id FROM inbox WHERE (seq <= $2 AND $3::boolean) OR (seq > $2 AND received_ms < $1) LIMIT $4) RETURNING 1`,
    [s.cutoff, s.jumpSeq, s.beforeJumpOld],
  );
  const eventDays = policy.eventDays ?? DEFAULT_EVENT_DAYS;
  const eventCutoff = jump && now - Date.parse(jump.at) < eventDays * DAY ? 0 : now - eventDays * DAY;
  const maxEvents = policy.maxEvents ?? DEFAULT_MAX_EVENTS;
  const events = await deleteInBatches(
    db,
    `DELETE FROM events WHERE id IN (SELECT id FROM events WHERE id < (SELECT last FROM event_counter)
       AND (time_ms < $1 OR id <= (SELECT last FROM event_counter) - $2) ORDER BY id LIMIT $3) RETURNING 1`,
    [eventCutoff, maxEvents],
  );
  return { tasks, sms, events };
}
