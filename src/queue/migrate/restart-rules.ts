import { closedAttempt, unknownEnd, type AttemptEnd } from '../attempt-rules.js';
import type { QueueSettings } from '../settings.js';
import { finishedEvent, type EventDraft } from '../task-events.js';
import { isFinished, type Task } from '../task.js';

/** A live task as it goes into the shared queue, with what its row needs beside the document. */
export interface LiveRow {
  task: Task;
  /** Milliseconds from now before it may be handed out again (a retry backoff; 0: none). */
  readyInMs: number;
  /** A lease that is kept: its length from now. */
  leaseMs?: number;
}

/** What the restart rules did to the live tasks. */
export interface RestartTally {
  /** Leases of this gateway's built-in workers (gone with the gateway) whose task went back to the queue. */
  requeued: number;
  /** ... whose task failed as "outcome unknown" (the modem may have sent it). */
  failedUnknown: number;
  /** Leases of other workers (remote ones), kept: they may still report. */
  kept: number;
  /** Live tasks of queues the config does not name: copied as they are. */
  unconfigured: number;
}

/** The live tasks after the rules, the finished ones among them, and the events of those finishes. */
export interface RestartPlan {
  live: LiveRow[];
  finished: Task[];
  events: EventDraft[];
  tally: RestartTally;
}

/** The length of the lease the task was given (both ends were read off one clock at once), as queue-indexes.ts reads it. */
function leaseLength(t: Task, settings: QueueSettings | undefined): number {
  const started = Date.parse(t.attempts[t.attempts.length - 1]?.startedAt ?? '');
  const ms = Date.parse(t.lease?.expiresAt ?? '') - started;
  return Number.isFinite(ms) && ms > 0 ? ms : (settings?.leaseMs ?? 15 * 60_000);
}

/**
 * The end of an attempt as the queue applies it (TaskChanges.endAttempt, PgBatch.endAttempt):
 * the attempt closed, the lease gone, back in the queue with its backoff, or finished.
 */
function endAttempt(t: Task, end: AttemptEnd, settings: QueueSettings, wall: number): { task: Task; readyInMs: number } {
  const { next, backoffMs: backoff } = closedAttempt(t, end, settings, wall);
  if (end.status === 'queued') return { task: next, readyInMs: backoff };
  const done: Task = { ...next, status: end.status, finishedAt: next.updatedAt };
  delete done.notBefore;
  return { task: done, readyInMs: 0 };
}

/**
 * Applies to the live tasks of a stopped gateway what its own restart would
 * (orphaned-leases.ts, queue-indexes.ts): a lease of one of its built-in workers ended
 * with the gateway, so its task goes back to the queue (nothing was written to the modem
 * yet) or fails as "outcome unknown" (the lease was marked submitting; requeued instead
 * with `resendOnUnknownOutcome`), with the `sms.failed` event a restart appends. A lease
 * of another worker is kept with its full length again, from now. A backoff keeps what
 * is left of it, capped at the queue's longest. Tasks of queues the config does not name
 * are copied as they are, as the file queue keeps them untouched.
 */
export function applyRestartRules(live: Iterable<Task>, o: { settings: ReadonlyMap<string, QueueSettings>; isLocalWorker: (worker: string) => boolean; wall: number }): RestartPlan {
  const plan: RestartPlan = { live: [], finished: [], events: [], tally: { requeued: 0, failedUnknown: 0, kept: 0, unconfigured: 0 } };
  for (const t of live) {
    const settings = o.settings.get(t.queue);
    if (!settings) {
      plan.tally.unconfigured++;
      plan.live.push({ task: t, readyInMs: 0, ...(t.status === 'in progress' && t.lease && { leaseMs: leaseLength(t, undefined) }) });
      continue;
    }
    if (t.status === 'in progress' && t.lease && o.isLocalWorker(t.lease.worker)) {
      const why = t.lease.submitting ? 'gateway stopped while the modem was sending' : 'gateway stopped before sending';
      const end: AttemptEnd = t.lease.submitting ? unknownEnd(t, settings, why) : { outcome: 'expired', error: why, status: 'queued' };
      const { task, readyInMs } = endAttempt(t, end, settings, o.wall);
      if (isFinished(task.status)) {
        plan.tally.failedUnknown++;
        plan.finished.push(task);
        const ev = finishedEvent(task);
        if (ev) plan.events.push(ev);
      } else {
        plan.tally.requeued++;
        plan.live.push({ task, readyInMs });
      }
      continue;
    }
    if (t.status === 'in progress' && t.lease) {
      plan.tally.kept++;
      plan.live.push({ task: t, readyInMs: 0, leaseMs: leaseLength(t, settings) });
      continue;
    }
    const left = t.status === 'queued' && t.notBefore ? Math.min(Date.parse(t.notBefore) - o.wall, settings.retry.maxDelayMs) : 0;
    plan.live.push({ task: t, readyInMs: left > 0 ? left : 0 });
  }
  return plan;
}
