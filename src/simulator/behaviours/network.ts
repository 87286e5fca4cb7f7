import { cme, ok } from '../outcome.js';
import type { NetworkState, ParsedCommand, SimBehaviour, SimContext } from '../types.js';

const STAT: Record<NetworkState, number> = { none: 0, registered: 1, searching: 2, denied: 3, roaming: 5 };
const LAC = '"1A2B"';
const CI = '"01C2D3E4"';

/** True when SMS can be sent (home or roaming). */
export function isRegistered(state: NetworkState): boolean {
  return state === 'registered' || state === 'roaming';
}

type RegName = '+CREG' | '+CGREG' | '+CEREG';
const SETTING = { '+CREG': 'creg', '+CGREG': 'cgreg', '+CEREG': 'cereg' } as const;

function location(name: RegName, state: NetworkState): string {
  if (!isRegistered(state)) return '';
  return name === '+CEREG' ? `,${LAC},${CI},7` : `,${LAC},${CI}`;
}

/**
 * Unsolicited registration lines for the current state, one per enabled command
 * (`+CREG: <stat>[,<lac>,<ci>]`: no `<n>`, unlike the solicited form).
 */
export function registrationUrcs(ctx: SimContext): string[] {
  const state = ctx.modem.effectiveNetwork();
  const names: RegName[] = ctx.personality.lte ? ['+CREG', '+CGREG', '+CEREG'] : ['+CREG', '+CGREG'];
  return names
    .filter((n) => ctx.settings[SETTING[n]] > 0)
    .map((n) => `${n}: ${STAT[state]}${ctx.settings[SETTING[n]] === 2 ? location(n, state) : ''}`);
}

/** `AT+CREG` / `AT+CGREG` / `AT+CEREG` (the last only on LTE personalities). */
export const registration: SimBehaviour = {
  name: 'registration',
  match: (c: ParsedCommand, ctx) => c.name === '+CREG' || c.name === '+CGREG' || (c.name === '+CEREG' && ctx.personality.lte),
  handle: (c, ctx) => {
    const name = c.name as RegName;
    const key = SETTING[name];
    if (c.kind === 'test') return ok(`${name}: (0-2)`);
    if (c.kind === 'read') {
      const n = ctx.settings[key];
      const state = ctx.modem.effectiveNetwork();
      return ok(`${name}: ${n},${STAT[state]}${n === 2 ? location(name, state) : ''}`);
    }
    const n = Number(c.args[0] ?? '0');
    if (![0, 1, 2].includes(n)) return cme(4);
    ctx.settings[key] = n;
    return ok();
  },
};

/** `AT+CSQ`: `<rssi>,99` while registered, `99,99` (unknown) otherwise. */
export const csq: SimBehaviour = {
  name: 'csq',
  match: (c) => c.name === '+CSQ',
  handle: (c, ctx) => {
    if (c.kind === 'test') return ok('+CSQ: (0-31,99),(0-7,99)');
    const reg = isRegistered(ctx.modem.effectiveNetwork());
    return ok(reg ? `+CSQ: ${ctx.modem.rssi},99` : '+CSQ: 99,99');
  },
};

/** `AT+COPS`: operator while registered; any set form (e.g. `=3,0`) is accepted. */
export const cops: SimBehaviour = {
  name: 'cops',
  match: (c) => c.name === '+COPS',
  handle: (c, ctx) => {
    const act = ctx.personality.lte ? 7 : 0;
    if (c.kind === 'test') return ok(`+COPS: (2,"Katar Mobile","Katar","20408",${act}),,(0-4),(0-2)`);
    if (c.kind !== 'read') return ok();
    return ok(isRegistered(ctx.modem.effectiveNetwork()) ? `+COPS: 0,0,"Katar Mobile",${act}` : '+COPS: 0');
  },
};
