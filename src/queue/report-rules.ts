import { KatarError } from '../errors.js';
import type { TaskReport } from './queue-types.js';
import type { Task } from './task.js';

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
    const last = finished.attempts[finished.attempts.length - 1];
    // A worker that lost our answer sends its report again: that is no conflict.
    if (last?.worker === worker && (last.outcome === r.status || (r.status !== 'done' && finished.status === 'failed'))) return 'repeat';
    throw new KatarError('TASK_CONFLICT', `task ${r._id} is already ${finished.status}`, { id: r._id, status: finished.status });
  }
  if (live.status === 'in progress') {
    if (live.lease?.worker !== worker) throw new KatarError('LEASE_LOST', `task ${r._id} is leased to another worker; this report came after the lease ended`, { id: r._id });
    return 'apply';
  }
  // The lease ran out and the task went back to the queue, but nobody took it since:
  // the report of its last holder is still the truth (a late "done" avoids sending the
  // SMS a second time).
  const last = live.attempts[live.attempts.length - 1];
  if ((live.status !== 'queued' && live.status !== 'paused') || last?.worker !== worker) {
    throw new KatarError('LEASE_LOST', `task ${r._id} is ${live.status}; it is no longer leased to this worker`, { id: r._id, status: live.status });
  }
  return 'apply';
}
