import type { SmsQueue } from '../queue/sms-queue.js';
import type { MessageRules } from './message-rules.js';
import { ModemBoard } from './modem-board.js';
import { ModemControls } from './modem-controls.js';
import { SendIntake } from './send-intake.js';

/**
 * What a running gateway is made of, handed explicitly to each caller: the HTTP routes,
 * metrics, the built-in workers and the systemd status take the parts they use. There
 * is no facade in between; the library's `Gateway` (gateway.ts) is built on these too.
 */
export interface GatewayParts<Q extends SmsQueue = SmsQueue> {
  /** This installation's id (gateway-id.ts); built-in workers are `builtin:<id>:<modem>`. */
  id: string | undefined;
  queue: Q;
  /** Validation and normalisation of every send. */
  intake: SendIntake;
  /** The latest health of each modem. */
  modems: ModemBoard;
  /** USSD and the latest balance of each built-in modem, filled by the workers. */
  controls: ModemControls;
}

/** The parts over `queue`. */
export function gatewayParts<Q extends SmsQueue>(queue: Q, rules: MessageRules & SendIntake['rules'], id?: string): GatewayParts<Q> {
  return { id, queue, intake: new SendIntake(queue, rules), modems: new ModemBoard(), controls: new ModemControls() };
}
