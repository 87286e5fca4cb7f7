import { cme, ok, silent } from '../outcome.js';
import type { SimBehaviour, SimStatus } from '../types.js';

/** Commands that need a ready SIM; everything else (AT, ATE, CGMI, CSQ...) works locked. */
const NEEDS_SIM = new Set(['+CMGF', '+CMGS', '+CMGW', '+CMGR', '+CMGL', '+CMGD', '+CPMS', '+CNMI', '+CSCA', '+CSMP', '+CNUM', '+COPS']);

/** +CME code for a SIM that is not ready; python-gsmmodem's fake and a Qualcomm log use CME here. */
export function simErrorCode(status: SimStatus): number | undefined {
  switch (status) {
    case 'pin':
      return 11;
    case 'puk':
      return 12;
    case 'absent':
      return 10;
    case 'failure':
      return 13;
    case 'busy':
      return 14;
    default:
      return undefined;
  }
}

/** Answers SIM-dependent commands with `+CME ERROR: 10/11/12/13/14` until the SIM is ready. */
export const simGate: SimBehaviour = {
  name: 'sim-gate',
  match: (c, ctx) => NEEDS_SIM.has(c.name) && ctx.modem.simStatus() !== 'ready',
  handle: (_c, ctx) => {
    const code = simErrorCode(ctx.modem.simStatus());
    return code === undefined ? undefined : cme(code);
  },
};

const CPIN_TEXT: Partial<Record<SimStatus, string>> = { ready: 'READY', busy: 'READY', pin: 'SIM PIN', puk: 'SIM PUK' };

/**
 * `AT+CPIN`: `SIM PIN` -> correct PIN -> OK, then `simBusyMs` of `+CME ERROR: 14` on
 * SIM commands -> ready (+ `+CPIN: READY` and the personality's ready URCs). A wrong PIN
 * gives `+CME ERROR: 16`; the third one leaves the SIM wanting its PUK
 * (`AT+CPIN="<puk>","<new pin>"`). No SIM: `+CME ERROR: 10`.
 */
export const cpin: SimBehaviour = {
  name: 'cpin',
  match: (c) => c.name === '+CPIN',
  handle: (c, ctx) => {
    const modem = ctx.modem;
    const status = modem.simStatus();
    if (c.kind === 'test') return ok();
    if (status === 'absent' || status === 'failure') return cme(simErrorCode(status) ?? 13);
    if (c.kind !== 'set') {
      if (status === 'busy') return cme(14);
      const line = `+CPIN: ${CPIN_TEXT[status] ?? 'READY'}`;
      if (!ctx.personality.cpinWithoutOk) return ok(line);
      ctx.urc(line);
      return silent();
    }
    const [code = '', newPin] = c.args;
    const card = modem.simCard;
    if (status === 'pin') {
      if (code !== card.pin) {
        card.pinFailures++;
        if (card.pinFailures >= 3) card.pukRequired = true;
        return cme(16);
      }
      card.pinFailures = 0;
      modem.unlockSim();
      return ok();
    }
    if (status === 'puk') {
      if (code !== card.puk || newPin === undefined || newPin === '') return cme(16);
      card.pin = newPin;
      card.pinFailures = 0;
      card.pukRequired = false;
      modem.unlockSim();
      return ok();
    }
    // Already unlocked: 27.007 says operation not allowed.
    return cme(3);
  },
};
