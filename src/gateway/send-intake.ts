import { KatarError } from '../errors.js';
import type { SmsQueue } from '../queue/sms-queue.js';
import type { Task } from '../queue/task.js';
import type { NewTask } from '../queue/queue-types.js';
import { GSM7_PART, GSM7_SINGLE, gsm7Length, segmentText, UCS2_PART, UCS2_SINGLE } from '../modem/pdu/index.js';
import { parseIsoInstant } from './iso-instant.js';
import { checkMessageText, normaliseNumber, type MessageRules } from './message-rules.js';
import { chooseRoute, type IntakeRouting } from './send-routing.js';

/** A message as a producer submits it (validated here). */
export interface SendRequest {
  to: unknown;
  msg: unknown;
  priority?: unknown;
  sendAt?: unknown;
  validUntil?: unknown;
  idempotencyKey?: unknown;
  /** A modem or modem group name: only it sends the SMS (send-routing.ts). */
  via?: unknown;
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

/** How a message text goes out as SMS: what a dry run answers. */
export interface TextShape {
  encoding: 'gsm7' | 'ucs2';
  parts: number;
  /** Length in the encoding's units: septets for GSM 7-bit (an escaped character such as € counts 2), UTF-16 units for UCS-2 (an emoji counts 2). */
  characters: number;
  /** Units per part: 160 (GSM 7-bit) or 70 (UCS-2) for one part, 153 or 67 each when split. */
  perPart: number;
  /** Units left in the last part before another part is needed. */
  charsLeft: number;
}

/** The answer of a dry run: the normalised recipient and the shape of the text. */
export interface SendPreview extends TextShape {
  dryRun: true;
  to: string;
}

/**
 * The shape of `text` by the segmentation the modem's SMS-SUBMIT encoder uses
 * (segmentText, src/modem/pdu/segment.ts), so a count shown before sending is the count sent.
 */
export function textShape(text: string): TextShape {
  const { encoding, parts } = segmentText(text);
  const gsm = encoding === 'gsm7';
  const units = (s: string): number => (gsm ? (gsm7Length(s) ?? s.length) : s.length);
  const perPart = parts.length > 1 ? (gsm ? GSM7_PART : UCS2_PART) : gsm ? GSM7_SINGLE : UCS2_SINGLE;
  return { encoding, parts: parts.length, characters: units(text), perPart, charsLeft: perPart - units(parts[parts.length - 1] ?? '') };
}

/**
 * Where every send enters the queue (HTTP producer routes, the library's `send`):
 * validates and normalises each message, then stores the batch in one durable write.
 */
export class SendIntake {
  constructor(
    readonly queue: SmsQueue,
    readonly rules: MessageRules & { routing?: IntakeRouting },
  ) {}

  /**
   * Validates every message, then stores them all in one durable write (or none: a bad
   * field anywhere rejects the batch with VALIDATION naming it, e.g. `messages[2].to`).
   */
  async submit(queue: string, requests: SendRequest[], fieldPrefix = (i: number): string => (requests.length > 1 ? `messages[${i}].` : '')): Promise<Array<{ task: Task; created: boolean }>> {
    this.queue.settings(queue);
    const now = Date.now();
    const items = requests.map((r, i) => this.#validate(r, fieldPrefix(i), now));
    return this.queue.add(queue, items);
  }

  /**
   * Validates one message exactly as `submit` does and tells how it would go out,
   * without storing anything: no task, no event, no idempotency check (a dry run).
   */
  preview(queue: string, request: SendRequest): SendPreview {
    this.queue.settings(queue);
    const item = this.#validate(request, '', Date.now());
    return { dryRun: true, to: item.data.to, ...textShape(item.data.msg) };
  }

  /** One message validated and normalised; VALIDATION naming the field (with `f`, e.g. `messages[2].`) otherwise. */
  #validate(r: SendRequest, f: string, now: number): NewTask {
    const { priority: P, idempotencyKey: K } = SEND_LIMITS;
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
    const route = chooseRoute(r.via, to, this.rules.routing, `${f}via`);
    return { data: { to, msg: r.msg as string }, parts, priority, ...route, ...(sendAt && { sendAt }), ...(validUntil && { validUntil }), ...(key !== undefined && { idempotencyKey: key as string }) };
  }
}
