/**
 * Reports, release, markSubmitting and the producer's transitions, on rows locked for
 * the transaction (FOR UPDATE): judged by the same rules as the file queue
 * (report-rules.ts), so LEASE_LOST, the late `done` and harmless repeats mean the same.
 */
import { KatarError } from '../../errors.js';
import { failedEnd, unknownEnd } from '../attempt-rules.js';
import type { TaskReport } from '../queue-types.js';
import { judgeReport } from '../report-rules.js';
import type { Task, TaskStatus } from '../task.js';
import { iso, type PgBatch } from './pg-batch.js';
import { lockTasks } from './pg-rows.js';

/**
 * Validates every report of `worker` on tasks of `queue`, then applies them: all or
 * nothing (one refusal throws and the transaction rolls back). Every report is judged
 * against the task as it was before the batch.
 */
export async function applyReports(b: PgBatch, queue: string, worker: string, reports: TaskReport[]): Promise<void> {
  const rows = await lockTasks(b.sql, [...new Set(reports.map((r) => r._id))]);
  const plans: Array<{ task: Task; report: TaskReport }> = [];
  const inBatch = new Map<string, TaskReport>();
  for (const [i, r] of reports.entries()) {
    const found = rows.get(r._id);
    const t = found?.queue === queue ? found : undefined;
    const live = t && !t.finishedAt ? t : undefined;
    const finished = t?.finishedAt ? t : undefined;
    const verdict = judgeReport(r, i, worker, live, finished);
    const earlier = inBatch.get(r._id);
    if (earlier) {
      if (earlier.status === r.status) continue;
      throw new KatarError('VALIDATION', `tasks[${i}] reports task ${r._id} as ${r.status}, but an earlier item of the batch reports it as ${earlier.status}`, { field: `tasks[${i}].status` });
    }
    inBatch.set(r._id, r);
    if (verdict === 'apply') plans.push({ task: live!, report: r });
  }
  for (const { task, report } of plans) {
    const settings = b.settings.get(task.queue)!;
    if (report.status === 'done') await b.endAttempt(task, { outcome: 'done', status: 'done' });
    else if (report.status === 'unknown') await b.endAttempt(task, unknownEnd(task, settings, report.error ?? 'no answer from the modem after the message was handed to it'));
    else await b.endAttempt(task, failedEnd(task, settings, report.error!));
  }
}

/** Marks the lease of `worker` on task `id` as submitting (LEASE_LOST when it holds none). */
export async function markSubmitting(b: PgBatch, queue: string, worker: string, id: string): Promise<void> {
  const rows = await b.sql.query(
    `UPDATE tasks SET submitting = true, doc = jsonb_set(doc, '{lease,submitting}', 'true')
     WHERE id = $1 AND queue = $2 AND status = 'in progress' AND lease_worker = $3 RETURNING id`,
    [id, queue, worker],
  );
  if (!rows.length) throw new KatarError('LEASE_LOST', `task ${id} is no longer leased to ${worker}`, { id });
}

/** Gives a task `worker` holds back untried: the hand-out undone (release); nothing when it holds none. */
export async function takeBack(b: PgBatch, queue: string, worker: string, id: string, why: string): Promise<void> {
  const t = (await lockTasks(b.sql, [id])).get(id);
  if (!t || t.queue !== queue || t.status !== 'in progress' || t.lease?.worker !== worker) return;
  const next: Task = { ...t, status: 'queued', attempts: t.attempts.slice(0, -1), updatedAt: iso(b.now.wall), error: why };
  delete next.lease;
  await b.save(next, 'in progress');
}

/** Cancel, pause, resume: task `id` of `queue` from one of `from` to `to` (TASK_NOT_FOUND, TASK_CONFLICT). */
export async function transition(b: PgBatch, queue: string, id: string, from: TaskStatus[], to: TaskStatus): Promise<Task> {
  const t = (await lockTasks(b.sql, [id])).get(id);
  if (!t || t.queue !== queue) throw new KatarError('TASK_NOT_FOUND', `task ${id} not found in queue "${queue}"`, { id });
  if (!from.includes(t.status)) throw new KatarError('TASK_CONFLICT', `task ${id} is ${t.status}; only ${from.join(' or ')} tasks can become ${to}`, { id, status: t.status });
  if (to === 'cancelled') return b.finish(t, 'cancelled');
  // A resumed task keeps the backoff it was paused in (notBefore, as people read it).
  const readyTick = to === 'queued' && t.notBefore ? b.now.tick + Math.max(0, Date.parse(t.notBefore) - b.now.wall) : 0;
  return b.save({ ...t, status: to, updatedAt: iso(b.now.wall) }, t.status, readyTick);
}
