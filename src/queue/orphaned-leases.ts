import type { Instant } from '../clock.js';
import { unknownEnd } from './attempt-rules.js';
import type { Changed, TaskChanges } from './task-changes.js';

/**
 * At start, the leases a crash left with this process's built-in workers, whose holder
 * is gone: the task goes back to the queue, or fails as "outcome unknown" when the modem
 * may already have sent it (the lease was marked submitting). Leases of remote workers
 * are kept; they may still report.
 */
export function endOrphanedLeases(c: TaskChanges, isLocal: (worker: string) => boolean, now: Instant): Changed[] {
  const recovered: Changed[] = [];
  for (const t of [...c.store.live.values()]) {
    if (!c.settings.has(t.queue)) continue;
    if (t.status === 'in progress' && t.lease && isLocal(t.lease.worker)) {
      const why = t.lease.submitting ? 'gateway stopped while the modem was sending' : 'gateway stopped before sending';
      const settings = c.settings.get(t.queue)!;
      const next = c.endAttempt(t, now, t.lease.submitting ? unknownEnd(t, settings, why) : { outcome: 'expired', error: why, status: 'queued' });
      recovered.push([next, t.status]);
    }
  }
  return recovered;
}
