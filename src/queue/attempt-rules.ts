import { retryDelay, type QueueSettings } from './settings.js';
import type { Attempt, AttemptOutcome, Task, TaskStatus } from './task.js';

/** How a hand-out ended, and where that leaves the task. */
export interface AttemptEnd {
  outcome: AttemptOutcome;
  error?: string;
  /** `queued` (retried), or a final status. */
  status: TaskStatus;
}

/** A failed attempt: retried with backoff until maxAttempts, then failed for good. */
export function failedEnd(t: Task, settings: QueueSettings, error: string, outcome: 'failed' | 'unknown' = 'failed'): AttemptEnd {
  return { outcome, error, status: t.attempts.length >= settings.maxAttempts ? 'failed' : 'queued' };
}

/**
 * The modem may or may not have sent it: failed for good, unless the config allows a
 * resend (which may deliver the SMS twice). The one retry decision for unknown outcomes.
 */
export function unknownEnd(t: Task, settings: QueueSettings, why: string): AttemptEnd {
  const error = why.startsWith('outcome unknown') ? why : `outcome unknown: ${why}`;
  if (settings.resendOnUnknownOutcome) return failedEnd(t, settings, error, 'unknown');
  return { outcome: 'unknown', error, status: 'failed' };
}

/** The attempts with the last one closed as `end` says, at `at` (ISO). */
export function closeLastAttempt(attempts: Attempt[], end: AttemptEnd, at: string): Attempt[] {
  const out = attempts.slice();
  const last = out[out.length - 1];
  if (!last) return out;
  if (!last.outcome) {
    const closed: Attempt = { ...last, endedAt: at, outcome: end.outcome };
    if (end.error !== undefined) closed.error = end.error;
    out[out.length - 1] = closed;
  } else if (end.outcome === 'done' && last.outcome !== 'done') {
    // A late "done" from the last holder (its lease had ended, or its earlier report
    // said failed) is the truth about that hand-out: the SMS went out.
    const closed: Attempt = { ...last, outcome: 'done' };
    delete closed.error;
    out[out.length - 1] = closed;
  } else if (end.error !== undefined) {
    out[out.length - 1] = { ...last, error: end.error };
  }
  return out;
}

/** Backoff before a task that goes back to the queue may be handed out again (0: at once). */
export function backoffMs(attempts: Attempt[], end: AttemptEnd, settings: QueueSettings): number {
  if (end.status !== 'queued' || (end.outcome !== 'failed' && end.outcome !== 'unknown')) return 0;
  const failures = attempts.filter((a) => a.outcome === 'failed' || a.outcome === 'unknown').length;
  return retryDelay(settings, failures);
}

/**
 * The task with its current attempt closed as `end` says, at `wall` (ms): the lease
 * gone, the error set, and either back in the queue (`notBefore` after a backoff of
 * `backoffMs`, a duration the caller puts on its own tick line) or, for a final status,
 * ready to be finished by the caller (a `done` clears the error). Both stores and the
 * store migration end attempts through this.
 */
export function closedAttempt(t: Task, end: AttemptEnd, settings: QueueSettings, wall: number): { next: Task; backoffMs: number } {
  const at = new Date(wall).toISOString();
  const attempts = closeLastAttempt(t.attempts, end, at);
  const next: Task = { ...t, attempts, updatedAt: at };
  delete next.lease;
  if (end.error !== undefined) next.error = end.error;
  if (end.status !== 'queued') {
    if (end.status === 'done') delete next.error;
    return { next, backoffMs: 0 };
  }
  const backoff = backoffMs(attempts, end, settings);
  if (backoff > 0) next.notBefore = new Date(wall + backoff).toISOString();
  next.status = 'queued';
  return { next, backoffMs: backoff };
}
