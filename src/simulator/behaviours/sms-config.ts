import { parseMemories, parseRanges } from '../personalities/personality.js';
import { cms, error, ok } from '../outcome.js';
import type { SimBehaviour, SimContext } from '../types.js';

/** `AT+CMGF`: 0 PDU, 1 text. */
export const cmgf: SimBehaviour = {
  name: 'cmgf',
  match: (c) => c.name === '+CMGF',
  handle: (c, ctx) => {
    if (c.kind === 'read') return ok(`+CMGF: ${ctx.settings.cmgf}`);
    if (c.kind === 'test') return ok('+CMGF: (0,1)');
    const v = c.args[0] ?? '0';
    if (v !== '0' && v !== '1') return error();
    ctx.settings.cmgf = v === '1' ? 1 : 0;
    return ok();
  },
};

/** `AT+CSCS`: character sets advertised by the personality. */
export const cscs: SimBehaviour = {
  name: 'cscs',
  match: (c) => c.name === '+CSCS',
  handle: (c, ctx) => {
    if (c.kind === 'read') return ok(`+CSCS: "${ctx.settings.cscs}"`);
    if (c.kind === 'test') return ok(ctx.personality.cscsTest);
    const cs = (c.args[0] ?? '').toUpperCase();
    if (!ctx.personality.cscsTest.toUpperCase().includes(`"${cs}"`)) return error();
    ctx.settings.cscs = cs;
    return ok();
  },
};

function counters(ctx: SimContext, named: boolean): string {
  const n = ctx.personality.cpmsParams;
  return ctx.settings.cpms
    .slice(0, n)
    .map((name) => {
      const m = ctx.modem.storage.memory(name);
      return named ? `"${name}",${m.used},${m.capacity}` : `${m.used},${m.capacity}`;
    })
    .join(',');
}

/**
 * `AT+CPMS`: read/delete, write/send and receive memories. Two-memory personalities
 * (Wavecom) answer a third parameter with ERROR; unknown memories give `+CMS ERROR: 302`.
 */
export const cpms: SimBehaviour = {
  name: 'cpms',
  match: (c) => c.name === '+CPMS',
  handle: (c, ctx) => {
    if (c.kind === 'test') return ok(ctx.personality.cpmsTest);
    if (c.kind === 'read') return ok(`+CPMS: ${counters(ctx, true)}`);
    if (c.kind !== 'set' || c.args.length === 0) return error();
    if (c.args.length > ctx.personality.cpmsParams) return error();
    const allowed = parseMemories(ctx.personality.cpmsTest);
    const wanted = c.args.map((a) => a.toUpperCase());
    if (wanted.some((m, i) => !(allowed[i] ?? []).includes(m))) return cms(302);
    wanted.forEach((m, i) => (ctx.settings.cpms[i] = m));
    return ok(`+CPMS: ${counters(ctx, false)}`);
  },
};

/**
 * `AT+CNMI`: the `=?` ranges come from the personality and a set outside them is
 * rejected with `+CMS ERROR: 303`, so drivers must negotiate as gammu/ModemManager do.
 */
export const cnmi: SimBehaviour = {
  name: 'cnmi',
  match: (c) => c.name === '+CNMI',
  handle: (c, ctx) => {
    if (c.kind === 'test') return ok(ctx.personality.cnmiTest);
    if (c.kind === 'read') return ok(`+CNMI: ${ctx.settings.cnmi.join(',')}`);
    if (c.kind !== 'set') return ok();
    const ranges = parseRanges(ctx.personality.cnmiTest);
    const values = [0, 1, 2, 3, 4].map((i) => (c.args[i] === undefined || c.args[i] === '' ? 0 : Number(c.args[i])));
    if (c.args.length > 5 || values.some((v, i) => !Number.isInteger(v) || !(ranges[i]?.has(v) ?? v === 0))) return cms(303);
    ctx.settings.cnmi = values as [number, number, number, number, number];
    return ok();
  },
};

/** `AT+CSCA`: SMSC stored on the SIM; none stored -> `+CMS ERROR: 330`. */
export const csca: SimBehaviour = {
  name: 'csca',
  match: (c) => c.name === '+CSCA',
  handle: (c, ctx) => {
    const card = ctx.modem.simCard;
    if (c.kind === 'test') return ok();
    if (c.kind === 'read') {
      if (card.smsc === '') return cms(330);
      return ok(`+CSCA: "${card.smsc}",${card.smsc.startsWith('+') ? 145 : 129}`);
    }
    card.smsc = c.args[0] ?? '';
    return ok();
  },
};

/** `AT+CSMP`: text-mode parameters; some firmwares wipe the SMSC here (quirk). */
export const csmp: SimBehaviour = {
  name: 'csmp',
  match: (c) => c.name === '+CSMP',
  handle: (c, ctx) => {
    if (c.kind === 'read') return ok(`+CSMP: ${ctx.settings.csmp}`);
    if (c.kind !== 'set') return ok();
    ctx.settings.csmp = c.argText;
    if (ctx.modem.quirks.csmpClearsSmsc) ctx.modem.simCard.smsc = '';
    return ok();
  },
};

/** `AT+CNMA`: the simulator never needs acknowledgements (+CSMS=0 semantics). */
export const cnma: SimBehaviour = {
  name: 'cnma',
  match: (c) => c.name === '+CNMA',
  handle: (c) => (c.kind === 'test' ? ok() : cms(340)),
};
