import cron from 'node-cron';
import { KatarError } from '../errors.js';
import type { ClockJump } from './clock-watch.js';
import type { QueueService } from './queue-service.js';

/** Retention settings: how long finished tasks and received SMS are kept. */
export interface RetentionSettings {
  historyDays: number;
  inboxDays: number;
  schedule: string;
}

const DAY = 86_400_000;

/**
 * Removes finished tasks and received SMS older than the retention, so the history
 * and inbox files stay bounded. A plain function so that tests call it with any `now`.
 *
 * Never removes what is younger than its retention in elapsed time, whatever the clock
 * did: a record written before the last clock jump (`jump.seq`) carries a time stamp
 * from the old reckoning (a Pi that booted at 1970 and then synced), so it is only
 * removed once the retention has passed since the jump itself.
 */
export async function applyRetention(q: QueueService, r: Pick<RetentionSettings, 'historyDays' | 'inboxDays'>, now = Date.now(), jump?: ClockJump): Promise<{ tasks: number; sms: number }> {
  const old = (days: number) => {
    const cutoff = new Date(now - days * DAY).toISOString();
    const beforeJumpOld = jump ? now - Date.parse(jump.at) >= days * DAY : true;
    return (m: { seq: number }, stamp: string): boolean => (jump && m.seq <= jump.seq ? beforeJumpOld : stamp < cutoff);
  };
  const oldTask = old(r.historyDays);
  const oldSms = old(r.inboxDays);
  const removed = await q.store.compact(
    (m) => oldTask(m, m.finishedAt),
    (m) => oldSms(m, m.receivedAt),
  );
  if (removed.tasks) q.recountHistory();
  return removed;
}

/** A scheduled job that can be stopped. */
export interface Job {
  stop(): void;
}

/** Runs `fn` on a cron schedule (node-cron); errors go to `onError`, never crash the process. */
export function scheduleJob(expression: string, fn: () => Promise<unknown>, onError: (err: unknown) => void): Job {
  if (!cron.validate(expression)) throw new KatarError('CONFIG_INVALID', `config: "${expression}" is not a valid cron expression`, { key: 'retention.schedule' });
  const task = cron.schedule(expression, () => fn().catch(onError), { noOverlap: true });
  return { stop: () => void task.stop() };
}
