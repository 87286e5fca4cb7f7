import type { GatewayEvent, Task } from './types.js';

const RANK: Record<string, number> = { paused: 0, queued: 0, 'in progress': 1, done: 2, failed: 2, cancelled: 2 };

function deliveryRank(t: Task): number {
  const s = t.delivery?.status;
  return s === 'delivered' || s === 'failed' ? 2 : s === 'pending' ? 1 : 0;
}

/**
 * The newer picture of a task from what we had and what an event (or a fresh read)
 * says. Events of one task may come out of order (a status report can arrive before the
 * send's outcome is recorded, so `sms.delivered` may carry status "in progress"): a
 * finished status is never taken back, and a final delivery is never replaced by a
 * pending one.
 */
export function mergeTask(old: Task, update: Task): Task {
  const status = (RANK[update.status] ?? 0) >= (RANK[old.status] ?? 0) ? update : old;
  const delivery = deliveryRank(update) >= deliveryRank(old) ? update : old;
  return { ...old, ...status, ...(delivery.delivery && { delivery: delivery.delivery }), attempts: (update.attempts?.length ?? 0) >= (old.attempts?.length ?? 0) ? update.attempts : old.attempts };
}

/** The task an `sms.*` event carries, when it is one (sms.received carries an inbox entry). */
export function eventTask(ev: GatewayEvent): Task | undefined {
  if (!ev.type.startsWith('sms.') || ev.type === 'sms.received') return undefined;
  const t = ev.data as unknown as Task;
  return typeof t._id === 'string' && t.data ? t : undefined;
}
