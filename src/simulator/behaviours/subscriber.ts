import { cme, ok } from '../outcome.js';
import type { SimBehaviour } from '../types.js';
import { simErrorCode } from './sim.js';

/**
 * `AT+CIMI` (27.007 §7.1: the IMSI, bare digits) and the personality's ICCID command
 * (`AT+CCID` by default; `AT+QCCID`, `AT^ICCID?`, `AT+CICCID` on other families). Both
 * need a ready SIM; an IMSI of '' makes AT+CIMI fail, as on modems that lack it.
 */
export const subscriber: SimBehaviour = {
  name: 'subscriber',
  match: (c, ctx) => c.name === '+CIMI' || c.name === (ctx.personality.iccidCommand?.name ?? '+CCID'),
  handle: (c, ctx) => {
    if (c.kind === 'test') return ok();
    const card = ctx.modem.simCard;
    const locked = simErrorCode(ctx.modem.simStatus());
    if (locked !== undefined) return cme(locked);
    if (c.name === '+CIMI') return card.imsi === '' ? cme(4) : ok(card.imsi);
    const label = ctx.personality.iccidCommand?.label ?? '';
    return ok(`${label}${card.iccid}`);
  },
};
