import type { Instant } from '../clock.js';
import { KatarError } from '../errors.js';
import { failedEnd, unknownEnd } from './attempt-rules.js';
import type { TaskReport } from './queue-types.js';
import { judgeReport } from './report-rules.js';
import type { Changed, TaskChanges } from './task-changes.js';
import type { Task } from './task.js';

/**
 * Validates every report of `worker` on tasks of `queue` (report-rules.ts), then applies
 * them: all or nothing, since one refused report throws before anything changed. A
 * repeat of a report already applied changes nothing.
 */
export async function applyReports(c: TaskChanges, queue: string, worker: string, reports: TaskReport[]): Promise<Changed[]> {
  const now = c.now();
  const plans: Array<{ task: Task; report: TaskReport }> = [];
  const inBatch = new Map<string, TaskReport>();
  for (const [i, r] of reports.entries()) {
    const found = c.store.live.get(r._id);
    const live = found?.queue === queue ? found : undefined;
    const done = live ? undefined : await c.readFinished(r._id);
    const finished = done?.queue === queue ? done : undefined;
    const verdict = judgeReport(r, i, worker, live, finished);
    // Every report is judged against the task as it was before the batch: a second one
    // on the same task would act on a state the first has already changed.
    if (sameTaskAgain(inBatch, r, i)) continue;
    if (verdict === 'apply') plans.push({ task: live!, report: r });
  }
  return plans.map(({ task, report }): Changed => [applyReport(c, task, report, now), task.status]);
}

/** True for a repeat of an earlier report of the batch on the same task; VALIDATION when it says otherwise. */
function sameTaskAgain(inBatch: Map<string, TaskReport>, r: TaskReport, index: number): boolean {
  const earlier = inBatch.get(r._id);
  if (!earlier) {
    inBatch.set(r._id, r);
    return false;
  }
  if (earlier.status === r.status) return true;
  throw new KatarError('VALIDATION', `tasks[${index}] reports task ${r._id} as ${r.status}, but an earlier item of the batch reports it as ${earlier.status}`, { field: `tasks[${index}].status` });
}

function applyReport(c: TaskChanges, t: Task, r: TaskReport, now: Instant): Task {
  // Each part's delivery was recorded as the modem took it (delivery-book.ts): kept as is.
  const settings = c.settings.get(t.queue)!;
  if (r.status === 'done') return c.endAttempt(t, now, { outcome: 'done', status: 'done' });
  if (r.status === 'unknown') return c.endAttempt(t, now, unknownEnd(t, settings, r.error ?? 'no answer from the modem after the message was handed to it'));
  return c.endAttempt(t, now, failedEnd(t, settings, r.error!));
}
