import { EventEmitter } from 'node:events';
import { KatarError } from '../errors.js';
import type { QueueEvents } from '../queue/events.js';
import type { QueueService } from '../queue/queue-service.js';
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

/** Health of one modem, as the built-in worker reports it. */
export interface ModemHealth {
  name: string;
  state: string;
  signalDbm?: number;
  registration?: string;
  operator?: string;
  model?: string;
  lastError?: string;
  updatedAt: string;
}

/** Events of the library API: the queue's events plus modem health. */
export interface GatewayEvents extends QueueEvents {
  modem: [health: ModemHealth];
}

function parseInstant(value: unknown, field: string): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const t = value instanceof Date ? value.getTime() : typeof value === 'string' ? parseIsoInstant(value) : undefined;
  if (t === undefined || !Number.isFinite(t)) {
    throw new KatarError('VALIDATION', `${field} must be an existing ISO 8601 date-time such as 2026-01-31T18:00:00Z`, { field });
  }
  return new Date(t);
}

/**
 * The library API of katar-sms, as the original: `send({to, msg}, priority)` returns the
 * task id; events `sent`, `done`, `failed`, `sms` and every status change. The HTTP
 * producer routes go through the same `submit`, so validation is one piece of code.
 */
export class Gateway extends EventEmitter<GatewayEvents> {
  readonly queue: QueueService;
  readonly rules: MessageRules;
  readonly modems = new Map<string, ModemHealth>();
  /** This installation's id (see gateway-id.ts); built-in workers are `builtin:<id>:<modem>`. */
  readonly id: string | undefined;

  constructor(queue: QueueService, rules: MessageRules, id?: string) {
    super();
    this.queue = queue;
    this.rules = rules;
    this.id = id;
    for (const name of ['sent', 'sms', 'status', 'queued', 'paused', 'in progress', 'done', 'failed', 'cancelled', 'delivery'] as const) {
      queue.on(name, (...args: unknown[]) => (this.emit as (e: string, ...a: unknown[]) => boolean)(name, ...args));
    }
  }

  /** Queues one SMS on the default queue `sms`; resolves with its id once it is on disk. */
  async send(sms: { to: string; msg: string }, priority = 0, queue = 'sms'): Promise<string> {
    const [r] = await this.submit(queue, [{ ...sms, priority }]);
    return r!.task._id;
  }

  /**
   * Validates every message, then stores them all in one durable write (or none: a bad
   * field anywhere rejects the batch with VALIDATION naming it, e.g. `messages[2].to`).
   */
  async submit(queue: string, requests: SendRequest[], fieldPrefix = (i: number): string => (requests.length > 1 ? `messages[${i}].` : '')): Promise<Array<{ task: Task; created: boolean }>> {
    this.queue.settings(queue);
    const now = Date.now();
    const items = requests.map((r, i) => {
      const f = fieldPrefix(i);
      const to = normaliseNumber(r.to, this.rules, `${f}to`);
      const parts = checkMessageText(r.msg, this.rules, `${f}msg`);
      const priority = r.priority ?? 0;
      if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < -1000 || priority > 1000) {
        throw new KatarError('VALIDATION', `${f}priority must be an integer from -1000 to 1000 (HIGH 10, NORMAL 0, LOW -10)`, { field: `${f}priority` });
      }
      const sendAt = parseInstant(r.sendAt, `${f}sendAt`);
      const validUntil = parseInstant(r.validUntil, `${f}validUntil`);
      if (validUntil && validUntil.getTime() <= now) throw new KatarError('VALIDATION', `${f}validUntil is already in the past`, { field: `${f}validUntil` });
      if (validUntil && sendAt && validUntil <= sendAt) throw new KatarError('VALIDATION', `${f}validUntil must be after sendAt`, { field: `${f}validUntil` });
      const key = r.idempotencyKey;
      if (key !== undefined && (typeof key !== 'string' || key.length === 0 || key.length > 200)) {
        throw new KatarError('VALIDATION', `${f}idempotencyKey must be a string of 1 to 200 characters`, { field: `${f}idempotencyKey` });
      }
      return { data: { to, msg: r.msg as string }, parts, priority, ...(sendAt && { sendAt }), ...(validUntil && { validUntil }), ...(key !== undefined && { idempotencyKey: key as string }) };
    });
    return this.queue.add(queue, items);
  }

  /** Records a modem's health and emits `modem`. */
  reportModem(health: ModemHealth): void {
    this.modems.set(health.name, health);
    this.emit('modem', health);
  }
}
