import { encodeUcs2 } from '../../modem/pdu/ucs2.js';
import { toHex } from '../../modem/pdu/octets.js';
import { packGsm7Hex, unpackGsm7Hex } from '../../modem/ussd-codec.js';
import { cme, error, ok } from '../outcome.js';
import type { SimulatedModem } from '../sim-modem.js';
import type { SimBehaviour, SimContext } from '../types.js';

/** One answer of the simulated network: text, and a menu of replies when it is one. */
export interface UssdNode {
  text: string;
  /** Sent as UCS-2 hex with DCS 72 (Cyrillic, emoji...); else GSM 7-bit with DCS 15. */
  ucs2?: boolean;
  /** `+CUSD` status; default 1 with a menu, else 0. */
  status?: number;
  /** Replies this menu takes, each leading to another answer. */
  menu?: Record<string, UssdNode>;
}

/** What the simulated network answers to each code. `silent`: never answers (for timeouts). */
export interface UssdScript {
  codes: Record<string, UssdNode | 'silent'>;
  /** Time from `AT+CUSD=1,...` to the `+CUSD` URC. Default 300 ms (networks take 2-10 s). */
  delayMs?: number;
}

/** The script of a modem that has no other: a balance, a menu, a UCS-2 answer and a code that never answers. */
export const DEFAULT_USSD_SCRIPT: UssdScript = {
  codes: {
    '*100#': { text: 'Balance: 12.34 EUR. Valid until 2027-01-31' },
    '*123#': {
      text: 'Main menu\n1 Balance\n2 Data',
      menu: {
        '1': { text: 'Balance: 12.34 EUR' },
        '2': { text: 'Data\n1 Remaining\n2 Buy 1 GB', menu: { '1': { text: 'Data left: 1.5 GB' }, '2': { text: 'You bought 1 GB for 5.00 EUR' } } },
      },
    },
    '*101#': { text: 'Баланс: 12,34 ₽', ucs2: true },
    '*999#': 'silent',
  },
};

interface UssdState {
  script: UssdScript;
  /** The menu waiting for a reply. */
  open?: UssdNode;
  /** Every request the modem received (decoded), for assertions. */
  requests: string[];
}

const states = new WeakMap<SimulatedModem, UssdState>();

/** The USSD state of a simulated modem (its script, open menu and requests). */
export function ussdState(modem: SimulatedModem): UssdState {
  let s = states.get(modem);
  if (!s) states.set(modem, (s = { script: { codes: { ...DEFAULT_USSD_SCRIPT.codes } }, requests: [] }));
  return s;
}

/** Replaces or adds answers of a modem's script (the control API's `POST /ussd`). */
export function setUssdAnswers(modem: SimulatedModem, codes: UssdScript['codes'], delayMs?: number): void {
  const s = ussdState(modem);
  Object.assign(s.script.codes, codes);
  if (delayMs !== undefined) s.script.delayMs = delayMs;
}

function cusdLine(node: UssdNode, packedHex: boolean, cscs: string): string {
  const status = node.status ?? (node.menu ? 1 : 0);
  if (node.ucs2 || cscs === 'UCS2') return `+CUSD: ${status},"${toHex(encodeUcs2(node.text))}",${node.ucs2 ? 72 : 15}`;
  // The text as the modem prints it, line breaks included (they end up on separate lines).
  const text = packedHex ? (packGsm7Hex(node.text) ?? node.text) : node.text;
  return `+CUSD: ${status},"${text}",15`;
}

/**
 * `AT+CUSD` (TS 27.007 §7.15): `=1,"<code>",15` answers OK, then the network's reply as
 * a `+CUSD` URC after the script's delay; a menu waits for `=1,"<choice>"`; `=2` ends it.
 * A new code while a menu is open is refused (`+CME ERROR: 3`), as on modems that keep one
 * session. `packedHex`: strings travel as packed GSM 7-bit hex both ways (Huawei).
 */
export function ussdBehaviour(opts: { packedHex?: boolean } = {}): SimBehaviour {
  const packedHex = opts.packedHex === true;
  return {
    name: 'ussd',
    match: (c) => c.name === '+CUSD',
    handle: (c, ctx) => {
      const state = ussdState(ctx.modem);
      if (c.kind === 'test') return ok('+CUSD: (0-2)');
      if (c.kind === 'read') return ok('+CUSD: 1');
      const n = c.args[0] ?? '0';
      if (n === '2') {
        state.open = undefined;
        return ok();
      }
      if (n !== '0' && n !== '1') return error();
      const raw = c.args[1];
      if (raw === undefined) return ok();
      if (!ctx.modem.isRegistered()) return cme(30);
      const text = packedHex && /^([0-9A-F]{2})+$/i.test(raw) ? unpackGsm7Hex(raw) : raw;
      state.requests.push(text);
      const menu = state.open;
      if (menu && /^[*#]/.test(text)) return cme(3);
      state.open = undefined;
      const answer = menu ? (menu.menu?.[text] ?? { text: 'Invalid choice', status: 2 }) : state.script.codes[text];
      if (answer === 'silent') return ok();
      const node = answer ?? { text: '', status: 4 };
      if (node.menu) state.open = node;
      reply(ctx, node, state.script.delayMs ?? 300, packedHex);
      return ok();
    },
  };
}

function reply(ctx: SimContext, node: UssdNode, delayMs: number, packedHex: boolean): void {
  // Scheduled after the OK is written: networks answer seconds later.
  ctx.schedule(Math.max(delayMs, 1), () => {
    ctx.urc(node.status === 4 && node.text === '' ? '+CUSD: 4' : cusdLine(node, packedHex, ctx.settings.cscs));
  });
}

/** The default `AT+CUSD` behaviour: plain text strings. */
export const ussd: SimBehaviour = ussdBehaviour();
