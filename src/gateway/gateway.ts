import { EventEmitter } from 'node:events';
import type { QueueEvents } from '../queue/queue-events.js';
import type { SmsQueue } from '../queue/sms-queue.js';
import type { GatewayParts } from './gateway-parts.js';
import type { ModemHealth } from './modem-board.js';

export type { ModemHealth } from './modem-board.js';
export type { SendRequest } from './send-intake.js';

/** Events of the library API: the queue's events plus modem health. */
export interface GatewayEvents extends QueueEvents {
  modem: [health: ModemHealth];
}

/** One SMS as the library's `send` takes it. */
export interface LibrarySend {
  to: string;
  msg: string;
  priority?: number;
  sendAt?: string | Date;
  validUntil?: string | Date;
  idempotencyKey?: string;
  /** A modem or modem group name: only it sends the SMS. */
  via?: string;
}

const RELAYED = ['sent', 'sms', 'status', 'queued', 'paused', 'in progress', 'done', 'failed', 'cancelled', 'delivery'] as const;

/**
 * The library API of katar-sms, as the original: `send({to, msg}, priority)` returns the
 * task id; events `sent`, `done`, `failed`, `sms`, `modem` and every status change. A
 * handle for programs that embed the gateway; the gateway's own code never goes through
 * it (each part takes the GatewayParts it needs).
 */
export class Gateway<Q extends SmsQueue = SmsQueue> extends EventEmitter<GatewayEvents> {
  readonly parts: GatewayParts<Q>;

  constructor(parts: GatewayParts<Q>) {
    super();
    this.parts = parts;
    for (const name of RELAYED) {
      parts.queue.on(name, (...args: unknown[]) => (this.emit as (e: string, ...a: unknown[]) => boolean)(name, ...args));
    }
    parts.modems.on('modem', (h) => this.emit('modem', h));
  }

  /** The queue: tasks, inbox and counts. */
  get queue(): Q {
    return this.parts.queue;
  }

  /** This installation's id. */
  get id(): string | undefined {
    return this.parts.id;
  }

  /** Each modem's latest health. */
  get modems(): ModemHealth[] {
    return this.parts.modems.all();
  }

  /**
   * Queues one SMS on `queue` (default `sms`); resolves with its id once it is on disk.
   * Takes what `POST /v1/queue/:queue/send` takes, validated the same way (a KatarError
   * VALIDATION naming the field): `via` a modem or modem group, `sendAt`/`validUntil` as
   * ISO 8601 texts or Dates, `idempotencyKey` (the same key again gives the first task's
   * id). `priority` may be given in the message or, as the original API did, apart.
   */
  async send(sms: LibrarySend, priority?: number, queue = 'sms'): Promise<string> {
    const { sendAt, validUntil, ...rest } = sms;
    const request = {
      ...rest,
      ...(priority !== undefined && { priority }),
      ...(sendAt !== undefined && { sendAt: sendAt instanceof Date ? sendAt.toISOString() : sendAt }),
      ...(validUntil !== undefined && { validUntil: validUntil instanceof Date ? validUntil.toISOString() : validUntil }),
    };
    const [r] = await this.parts.intake.submit(queue, [{ priority: 0, ...request }]);
    return r!.task._id;
  }
}
