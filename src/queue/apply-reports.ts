import type { Instant } from '../clock.js';
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
  for (const [i, r] of reports.entries()) {
    const found = c.store.live.get(r._id);
    const live = found?.queue === queue ? found : undefined;
    const done = live ? undefined : await c.readFinished(r._id);
    const finished = done?.queue === queue ? done : undefined;
    if (judgeReport(r, i, worker, live, finished) === 'apply') plans.push({ task: live!, report: r });
  }
  return plans.map(({ task, report }): Changed => [applyReport(c, task, report, now), task.status]);
}

function applyReport(c: TaskChanges, t: Task, r: TaskReport, now: Instant): Task {
  // Each part's delivery was recorded as the modem took it (delivery-book.ts): kept as is.
  const settings = c.settings.get(t.queue)!;
  if (r.status === 'done') return c.endAttempt(t, now, { outcome: 'done', status: 'done' });
  if (r.status === 'unknown') return c.endAttempt(t, now, unknownEnd(t, settings, r.error ?? 'no answer from the modem after the message was handed to it'));
  return c.endAttempt(t, now, failedEnd(t, settings, r.error!));
}
