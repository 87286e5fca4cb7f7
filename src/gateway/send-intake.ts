import { KatarError } from '../errors.js';
import type { SmsQueue } from '../queue/sms-queue.js';
import type { Task } from '../queue/task.js';
import { parseIsoInstant } from './iso-instant.js';
import { checkMessageText, normaliseNumber, type MessageRules } from './message-rules.js';

/** A message as a producer submits it (validated here). */
export interface SendRequest {
  to: unknown;
  msg: unknown;
  priority?: unknown;
  sendAt?: unknown;
  validUntil?: unknown;
  idempotencyKey?: unknown;
}

/**
 * The limits of a send's fields. This module is the one place they are checked; the
 * HTTP schemas only check types and quote these numbers in their descriptions.
 */
export const SEND_LIMITS = {
  priority: { min: -1000, max: 1000 },
  idempotencyKey: { minLength: 1, maxLength: 200 },
} as const;

function parseInstant(value: unknown, field: string): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const t = value instanceof Date ? value.getTime() : typeof value === 'string' ? parseIsoInstant(value) : undefined;
  if (t === undefined || !Number.isFinite(t)) {
    throw new KatarError('VALIDATION', `${field} must be an existing ISO 8601 date-time such as 2026-01-31T18:00:00Z`, { field });
  }
  return new Date(t);
}

/**
 * Where every send enters the queue (HTTP producer routes, the library's `send`):
 * validates and normalises each message, then stores the batch in one durable write.
 */
export class SendIntake {
  constructor(
    readonly queue: SmsQueue,
    readonly rules: MessageRules,
  ) {}

  /**
   * Validates every message, then stores them all in one durable write (or none: a bad
   * field anywhere rejects the batch with VALIDATION naming it, e.g. `messages[2].to`).
   */
  async submit(queue: string, requests: SendRequest[], fieldPrefix = (i: number): string => (requests.length > 1 ? `messages[${i}].` : '')): Promise<Array<{ task: Task; created: boolean }>> {
    this.queue.settings(queue);
    const now = Date.now();
    const { priority: P, idempotencyKey: K } = SEND_LIMITS;
    const items = requests.map((r, i) => {
      const f = fieldPrefix(i);
      const to = normaliseNumber(r.to, this.rules, `${f}to`);
      const parts = checkMessageText(r.msg, this.rules, `${f}msg`);
      const priority = r.priority ?? 0;
      if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < P.min || priority > P.max) {
        throw new KatarError('VALIDATION', `${f}priority must be an integer from ${P.min} to ${P.max} (HIGH 10, NORMAL 0, LOW -10)`, { field: `${f}priority` });
      }
      const sendAt = parseInstant(r.sendAt, `${f}sendAt`);
      const validUntil = parseInstant(r.validUntil, `${f}validUntil`);
      if (validUntil && validUntil.getTime() <= now) throw new KatarError('VALIDATION', `${f}validUntil is already in the past`, { field: `${f}validUntil` });
      if (validUntil && sendAt && validUntil <= sendAt) throw new KatarError('VALIDATION', `${f}validUntil must be after sendAt`, { field: `${f}validUntil` });
      const key = r.idempotencyKey;
      if (key !== undefined && (typeof key !== 'string' || key.length < K.minLength || key.length > K.maxLength)) {
        throw new KatarError('VALIDATION', `${f}idempotencyKey must be a string of ${K.minLength} to ${K.maxLength} characters`, { field: `${f}idempotencyKey` });
      }
      return { data: { to, msg: r.msg as string }, parts, priority, ...(sendAt && { sendAt }), ...(validUntil && { validUntil }), ...(key !== undefined && { idempotencyKey: key as string }) };
    });
    return this.queue.add(queue, items);
  }
}
