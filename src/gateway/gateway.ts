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

  /** Queues one SMS on `queue` (default `sms`); resolves with its id once it is on disk. */
  async send(sms: { to: string; msg: string }, priority = 0, queue = 'sms'): Promise<string> {
    const [r] = await this.parts.intake.submit(queue, [{ ...sms, priority }]);
    return r!.task._id;
  }
}
