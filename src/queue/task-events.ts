import type { EventType } from './gateway-event.js';
import type { InboxEntry, Task } from './task.js';

/** An event a change produces, before the store numbers it. */
export interface EventDraft {
  type: EventType;
  queue: string;
  data: Record<string, unknown>;
}

const asData = (v: Task | InboxEntry): Record<string, unknown> => v as unknown as Record<string, unknown>;

/** The event of a task that just finished: sent, failed (with the reason, outcome unknown flagged) or cancelled. */
export function finishedEvent(t: Task): EventDraft | undefined {
  if (t.status === 'done') return { type: 'sms.sent', queue: t.queue, data: asData(t) };
  if (t.status === 'cancelled') return { type: 'sms.cancelled', queue: t.queue, data: asData(t) };
  if (t.status !== 'failed') return undefined;
  const last = t.attempts[t.attempts.length - 1];
  return { type: 'sms.failed', queue: t.queue, data: { ...asData(t), reason: t.error ?? 'failed', outcomeUnknown: last?.outcome === 'unknown' } };
}

/** The event of a task that was just created. */
export function queuedEvent(t: Task): EventDraft {
  return { type: 'sms.queued', queue: t.queue, data: asData(t) };
}

/** The event of a received SMS: the entry as the inbox API shows it (the internal dedupe key left out). */
export function receivedEvent(e: InboxEntry): EventDraft {
  const { dedupKey: _internal, ...shown } = e;
  return { type: 'sms.received', queue: e.queue, data: asData(shown as InboxEntry) };
}

/**
 * The event of a task whose delivery status changed (status reports): delivered, or
 * failed with the reason. A report that leaves the task pending produces none.
 */
export function deliveryEvent(t: Task, from: string | undefined): EventDraft | undefined {
  const d = t.delivery;
  if (!d || d.status === from) return undefined;
  if (d.status === 'delivered') return { type: 'sms.delivered', queue: t.queue, data: asData(t) };
  if (d.status === 'failed') return { type: 'sms.delivery_failed', queue: t.queue, data: { ...asData(t), reason: d.reason ?? 'delivery failed' } };
  return undefined;
}
