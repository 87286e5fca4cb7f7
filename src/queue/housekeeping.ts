import cron from 'node-cron';
import { KatarError } from '../errors.js';
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
 */
export async function applyRetention(q: QueueService, r: Pick<RetentionSettings, 'historyDays' | 'inboxDays'>, now = Date.now()): Promise<{ tasks: number; sms: number }> {
  const taskCutoff = new Date(now - r.historyDays * DAY).toISOString();
  const smsCutoff = new Date(now - r.inboxDays * DAY).toISOString();
  const removed = await q.store.compact(
    (m) => m.finishedAt < taskCutoff,
    (m) => m.receivedAt < smsCutoff,
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
