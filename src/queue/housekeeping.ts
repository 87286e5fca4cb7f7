import cron from 'node-cron';
import { KatarError } from '../errors.js';
import type { ClockJump } from './clock-watch.js';
import type { PruneResult, RetentionPolicy, SmsQueue } from './sms-queue.js';

/** Retention settings: how long finished tasks and received SMS are kept. */
export interface RetentionSettings extends RetentionPolicy {
  schedule: string;
}

const DAY = 86_400_000;

/** Event retention defaults: a week, and 100,000 events. */
export const DEFAULT_EVENT_DAYS = 7;
export const DEFAULT_MAX_EVENTS = 100_000;

/** Which records retention drops: each takes the record's seq and its time stamp. */
export interface RetentionRules {
  task(m: { seq: number }, finishedAt: string): boolean;
  sms(m: { seq: number }, receivedAt: string): boolean;
  /** Events: older than `cutoff`, or beyond the newest `maxEvents`, are removed (the newest always kept). */
  events: { cutoff: string; maxEvents: number };
}

/**
 * What is old under `policy` at `now`. A plain function so that tests judge any `now`,
 * and every queue implementation drops the same records.
 *
 * Never drops what is younger than its retention in elapsed time, whatever the clock
 * did: a record written before the last clock jump (`jump.seq`) carries a time stamp
 * from the old reckoning (a Pi that booted at 1970 and then synced), so it is only
 * dropped once the retention has passed since the jump itself.
 */
export function retentionRules(policy: RetentionPolicy, now: number, jump?: ClockJump): RetentionRules {
  const old = (days: number) => {
    const cutoff = new Date(now - days * DAY).toISOString();
    const beforeJumpOld = jump ? now - Date.parse(jump.at) >= days * DAY : true;
    return (m: { seq: number }, stamp: string): boolean => (jump && m.seq <= jump.seq ? beforeJumpOld : stamp < cutoff);
  };
  // Events carry no seq: after a clock jump they are judged by the time since the jump.
  const eventDays = policy.eventDays ?? DEFAULT_EVENT_DAYS;
  const eventCutoff = jump && now - Date.parse(jump.at) < eventDays * DAY ? new Date(0).toISOString() : new Date(now - eventDays * DAY).toISOString();
  return { task: old(policy.historyDays), sms: old(policy.inboxDays), events: { cutoff: eventCutoff, maxEvents: policy.maxEvents ?? DEFAULT_MAX_EVENTS } };
}

/** Removes finished tasks and received SMS older than the retention, so the queue's storage stays bounded. */
export async function applyRetention(q: SmsQueue, r: RetentionPolicy, now = Date.now(), jump?: ClockJump): Promise<PruneResult> {
  return q.prune(r, now, jump);
}

/** A scheduled job that can be stopped. */
export interface Job {
  stop(): void;
}

/** Runs `fn` on a cron schedule (node-cron); errors go to `onError`, never crash the process. `key` names the config key in a refusal. */
export function scheduleJob(expression: string, fn: () => Promise<unknown>, onError: (err: unknown) => void, key = 'retention.schedule'): Job {
  if (!cron.validate(expression)) throw new KatarError('CONFIG_INVALID', `config: ${key} "${expression}" is not a valid cron expression`, { key });
  const task = cron.schedule(expression, () => fn().catch(onError), { noOverlap: true });
  return { stop: () => void task.stop() };
}
