import { KatarError } from '../errors.js';
import type { TaskReport } from './queue-types.js';
import type { Attempt, Task } from './task.js';

/**
 * Whether `worker` may report `r` (item `index` of its batch) on a task, as it stands
 * live or finished: 'apply' it, or 'repeat' (already recorded, nothing to do). Anything
 * else throws: VALIDATION, TASK_NOT_FOUND, TASK_CONFLICT (finished otherwise) or
 * LEASE_LOST (the task is with another worker now).
 */
export function judgeReport(r: TaskReport, index: number, worker: string, live: Task | undefined, finished: Task | undefined): 'apply' | 'repeat' {
  if (r.status !== 'done' && !r.error) {
    throw new KatarError('VALIDATION', `tasks[${index}].error is required when status is "failed"`, { field: `tasks[${index}].error` });
  }
  if (!live) {
    if (!finished) throw new KatarError('TASK_NOT_FOUND', `task ${r._id} not found`, { id: r._id });
    const last = lastAttempt(finished);
    // A worker that lost our answer sends its report again: that is no conflict.
    if (last?.worker === worker && sameHandOut(r, last) && (last.outcome === r.status || (r.status !== 'done' && finished.status === 'failed'))) return 'repeat';
    throw new KatarError('TASK_CONFLICT', `task ${r._id} is already ${finished.status}`, { id: r._id, status: finished.status });
  }
  if (live.status === 'in progress') {
    if (live.lease?.worker !== worker) throw new KatarError('LEASE_LOST', `task ${r._id} is leased to another worker; this report came after the lease ended`, { id: r._id });
    const current = lastAttempt(live);
    if (current && !sameHandOut(r, current)) {
      throw new KatarError('LEASE_LOST', `task ${r._id} was handed out again (attempt ${current.n}); this report is for attempt ${r.attempt}`, { id: r._id, attempt: current.n });
    }
    return 'apply';
  }
  // The task waits in the queue (or paused) and nobody took it since its last holder's
  // hand-out ended: that holder's report still speaks of the latest attempt.
  const last = lastAttempt(live);
  if ((live.status !== 'queued' && live.status !== 'paused') || last?.worker !== worker || !sameHandOut(r, last)) {
    throw new KatarError('LEASE_LOST', `task ${r._id} is ${live.status}; it is no longer leased to this worker`, { id: r._id, status: live.status });
  }
  // Its own report already ended that attempt as a failure and the task backs off for a
  // retry: a failure reported again is the same news, and must not restart the backoff.
  if (r.status !== 'done' && endedAsFailure(last)) return 'repeat';
  // Otherwise the report is the truth about that hand-out: a late "done" after the lease
  // ran out (or after a failure) avoids sending the SMS a second time.
  return 'apply';
}

/** Whether the report speaks of attempt `a`: always, when it carries no fencing token. */
function sameHandOut(r: TaskReport, a: Attempt): boolean {
  return r.attempt === undefined || r.attempt === a.n;
}

function lastAttempt(t: Task): Attempt | undefined {
  return t.attempts[t.attempts.length - 1];
}

/** Ended by a report of failure (`failed`, or `unknown` requeued by resendOnUnknownOutcome). */
function endedAsFailure(a: Attempt): boolean {
  return a.outcome === 'failed' || a.outcome === 'unknown';
}
