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
