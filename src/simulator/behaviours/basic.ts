import { cme, error, ok } from '../outcome.js';
import type { ParsedCommand, SimBehaviour } from '../types.js';

const is = (...names: string[]) => (c: ParsedCommand): boolean => names.includes(c.name);

/** Bare `AT`. */
export const at: SimBehaviour = { name: 'at', match: is(''), handle: () => ok() };

/** `ATE0` / `ATE1`. The line switching echo off is itself still echoed (SIM800C log). */
export const echo: SimBehaviour = {
  name: 'echo',
  match: is('E'),
  handle: (c, ctx) => {
    if (c.argText !== '' && c.argText !== '0' && c.argText !== '1') return error();
    ctx.settings.echo = c.argText === '1';
    return ok();
  },
};

/** `ATZ` / `AT&F`: back to the power-on profile, so echo comes back on. */
export const resetProfile: SimBehaviour = {
  name: 'reset-profile',
  match: is('Z', '&F'),
  handle: (_c, ctx) => {
    ctx.modem.restoreProfile();
    return ok();
  },
};

/** `AT+CMEE`: 0 ERROR, 1 numeric, 2 verbose error results. */
export const cmee: SimBehaviour = {
  name: 'cmee',
  match: is('+CMEE'),
  handle: (c, ctx) => {
    if (c.kind === 'read') return ok(`+CMEE: ${ctx.settings.cmee}`);
    if (c.kind === 'test') return ok('+CMEE: (0-2)');
    const v = c.kind === 'exec' ? '0' : c.args[0];
    if (v !== '0' && v !== '1' && v !== '2') return cme(4);
    ctx.settings.cmee = Number(v) as 0 | 1 | 2;
    return ok();
  },
};

/** `AT+CGMI`/`+CGMM`/`+CGMR`/`+CGSN` (and `+GMx` aliases) and `ATI`, per personality. */
export const identification: SimBehaviour = {
  name: 'identification',
  match: is('+CGMI', '+GMI', '+CGMM', '+GMM', '+CGMR', '+GMR', '+CGSN', '+GSN', 'I'),
  handle: (c, ctx) => {
    if (c.kind === 'test') return ok();
    const id = ctx.personality.identity;
    switch (c.name) {
      case 'I':
        return ok(...id.ati.map((l) => l.replace(id.imei, ctx.modem.options.imei)));
      case '+CGMI':
      case '+GMI':
        return ok(id.manufacturer);
      case '+CGMM':
      case '+GMM':
        return ok(id.model);
      case '+CGMR':
      case '+GMR':
        return ok(id.revision);
      default:
        return ok(ctx.modem.options.imei);
    }
  },
};

/** `AT+CFUN`: 0/4 take the radio off the network, `=1,1` reboots the modem. */
export const cfun: SimBehaviour = {
  name: 'cfun',
  match: is('+CFUN'),
  handle: (c, ctx) => {
    if (c.kind === 'read') return ok(`+CFUN: ${ctx.settings.cfun}`);
    if (c.kind === 'test') return ok('+CFUN: (0,1,4),(0-1)');
    const fun = Number(c.args[0]);
    if (![0, 1, 4].includes(fun)) return cme(4);
    if (c.args[1] === '1') {
      ctx.schedule(0, () => ctx.modem.reboot());
      return ok();
    }
    ctx.settings.cfun = fun;
    return ok();
  },
};

/** `AT+CNUM`: the subscriber number, if the SIM knows one. */
export const cnum: SimBehaviour = {
  name: 'cnum',
  match: is('+CNUM'),
  handle: (c, ctx) => {
    const own = ctx.modem.options.ownNumber;
    if (c.kind !== 'exec' || !own) return ok();
    return ok(`+CNUM: "","${own}",${own.startsWith('+') ? 145 : 129}`);
  },
};

/**
 * Settings that real init sequences send and that change nothing the simulator models:
 * answered OK so drivers can run their usual init (python-gsmmodem, gammu, smstools3).
 */
export const harmless: SimBehaviour = {
  name: 'harmless',
  match: is('V', 'Q', 'X', '&W', '&V', '+CLIP', '+CRC', '+CVHU', '+CIURC', '+CSDH', '+CMMS', '+CSMS'),
  handle: () => ok(),
};
