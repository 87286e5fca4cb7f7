/**
 * What runs out: leases (on the monotonic clock, lease-book.ts) and validity (`validUntil`,
 * wall time by definition). The sweep expires both; a hand-out ends the leases that ran
 * out first and fails a task past its validity instead of handing it out.
 */

import type { Instant } from '../clock.js';
import { unknownEnd } from './attempt-rules.js';
import type { Changed, TaskChanges } from './task-changes.js';
import type { Task } from './task.js';

/** Fails a task whose `validUntil` passed before it could be handed out. */
export function failExpired(c: TaskChanges, t: Task, now: Instant): Task {
  // A routed task names the modems it waited for: the likely reason it was not sent.
  const waited = t.modems?.length ? ` while it waited for ${t.modems.length === 1 ? 'modem' : 'modems'} ${t.modems.join(', ')}${t.via ? ` (via ${t.via})` : ''}` : '';
  return c.finish({ ...t, error: `expired: validUntil passed before it could be sent${waited}` }, 'failed', now);
}

/**
 * Ends the leases that ran out: requeued (or failed after `maxAttempts`) when nothing was
 * written to the modem yet, failed as "outcome unknown" when it was.
 */
export function expireLeases(c: TaskChanges, now: Instant): Changed[] {
  const changed: Changed[] = [];
  for (const id of c.indexes.leases.takeExpired()) {
    const t = c.store.live.get(id);
    if (!t || t.status !== 'in progress' || !t.lease) continue;
    const settings = c.settings.get(t.queue)!;
    let next: Task;
    if (t.lease.submitting) next = c.endAttempt(t, now, unknownEnd(t, settings, 'lease ended while the modem was sending'));
    else if (t.attempts.length >= settings.maxAttempts) next = c.endAttempt(t, now, { outcome: 'expired', error: `lease expired ${t.attempts.length} times without a report`, status: 'failed' });
    else next = c.endAttempt(t, now, { outcome: 'expired', status: 'queued' });
    changed.push([next, t.status]);
  }
  return changed;
}

/** Fails the queued and paused tasks whose `validUntil` has passed. */
export function expireValidity(c: TaskChanges, now: Instant): Changed[] {
  // Runs every second over every live task: look first, without copying the live map,
  // and change the few expired ones after the walk.
  const expired: Task[] = [];
  for (const t of c.store.live.values()) {
    if (t.validUntil && (t.status === 'queued' || t.status === 'paused') && Date.parse(t.validUntil) <= now.wall && c.settings.has(t.queue)) expired.push(t);
  }
  return expired.map((t): Changed => [failExpired(c, t, now), t.status]);
}
