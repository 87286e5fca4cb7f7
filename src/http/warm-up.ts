import type { FastifyInstance } from 'fastify';
import type { TokenConfig } from '../config.js';
import { checkMessageText, normaliseNumber } from '../gateway/message-rules.js';
import type { SendIntake } from '../gateway/send-intake.js';
import { encodeSubmit } from '../modem/pdu/index.js';

/**
 * The address the warm-up request comes from: a documentation address (RFC 5737) that no
 * client has, so that nothing counted per address (failed authentications, budgets)
 * touches a real one, and the request metrics can leave it out.
 */
export const WARM_UP_ADDRESS = '192.0.2.1';

const WARM_UP_NUMBER = '+61404341143';

/**
 * Runs the send path once before the gateway listens, so that the first real send does
 * not pay for compiling the code on it (10-20 ms on one core, several times the cost of
 * a warm send): phone number parsing and SMS segmentation directly, then the send route
 * through `inject` with a body its schema refuses, which passes the body parser, the
 * authentication, the validator and the error answer. That request stops at validation:
 * nothing is stored, no budget is drawn on, nothing is logged. The task serializer is
 * compiled when the app gets ready (task-json.ts).
 *
 * The number and the text are checked twice: V8 runs a regular expression through its
 * interpreter the first time and compiles it to machine code the second, and the phone
 * number rules are dozens of them. The PDU the built-in worker would encode is built
 * once too (and thrown away), so that the first SMS reaches the modem as soon as later ones.
 */
export async function warmSendPath(app: FastifyInstance, intake: SendIntake, tokens: readonly TokenConfig[], queue: string): Promise<void> {
  warmNumberRules(intake);
  encodeSubmit({ to: WARM_UP_NUMBER, text: 'warm-up', requestStatusReport: true });
  const token = tokens.find((t) => t.role === 'producer') ?? tokens.find((t) => t.role === 'admin');
  await app.inject({
    method: 'POST',
    url: `/v1/queue/${encodeURIComponent(queue)}/send`,
    remoteAddress: WARM_UP_ADDRESS,
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token.token}` }) },
    payload: JSON.stringify({ to: 0, msg: 'warm-up' }),
  });
}

/**
 * Checks the number and the text twice (see above). Run again after the start-up's
 * memory trim: the phone number library builds each rule with `new RegExp` on every check,
 * which V8 answers from its compilation cache, and that collection empties the cache, so
 * the first send after it compiled dozens of them again.
 */
export function warmNumberRules(intake: SendIntake): void {
  for (let i = 0; i < 2; i++) {
    normaliseNumber(WARM_UP_NUMBER, intake.rules);
    checkMessageText('warm-up', intake.rules);
  }
}
