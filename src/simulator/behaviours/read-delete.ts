import { cme, cms, error, fail, ok } from '../outcome.js';
import { STAT_NAMES, type MessageStat, type StoredMessage } from '../storage.js';
import type { Outcome, SimBehaviour, SimContext } from '../types.js';

/** TPDU length (without the SMSC field) of a stored hex PDU. */
export function tpduLength(pdu: string): number {
  return pdu.length / 2 - 1 - parseInt(pdu.slice(0, 2), 16);
}

/** `yy/MM/dd,hh:mm:ss+zz` in UTC (text mode). */
function scts(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getUTCFullYear() % 100)}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())},${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}+00`;
}

function hex(ctx: SimContext, msg: StoredMessage): string {
  return ctx.modem.quirks.lowercaseHex ? msg.pdu.toLowerCase() : msg.pdu;
}

function textHeader(msg: StoredMessage): string {
  const stat = `"${STAT_NAMES[msg.stat]}"`;
  if (msg.kind === 'status-report' && msg.report) {
    return `${stat},6,${msg.report.mr},"${msg.address}",145,"${scts(msg.timestamp)}","${scts(msg.timestamp)}",${msg.report.status}`;
  }
  return msg.kind === 'deliver' ? `${stat},"${msg.address}",,"${scts(msg.timestamp)}"` : `${stat},"${msg.address}",`;
}

function cmgrLines(ctx: SimContext, msg: StoredMessage): string[] {
  if (ctx.settings.cmgf === 1) {
    const header = `+CMGR: ${textHeader(msg)}`;
    return msg.kind === 'status-report' ? [header] : [header, msg.text];
  }
  const len = tpduLength(msg.pdu);
  const pdu = hex(ctx, msg);
  switch (ctx.personality.cmgrHeader) {
    case 'empty-alpha':
      return [`+CMGR: ${msg.stat},"",${len}`, pdu];
    case 'no-alpha':
      return [`+CMGR: ${msg.stat},${len}`, pdu];
    case 'no-stat':
      return [`+CMGR: ,,${len}`, pdu];
    case 'length-only':
      return [`+CMGR: ${len}`, pdu];
    case 'same-line':
      return [`+CMGR: ${msg.stat},,${len} ${pdu}`];
    default:
      return [`+CMGR: ${msg.stat},,${len}`, pdu];
  }
}

function emptySlot(ctx: SimContext): Outcome {
  switch (ctx.personality.emptySlot) {
    case 'ok':
      return ok();
    case 'cmgr-0-0':
      return ok('+CMGR: 0,,0');
    case 'cme-1':
      return cme(-1);
    default:
      return cms(321);
  }
}

/** `AT+CMGR=<i>` from the read memory (CPMS mem1); reading marks REC UNREAD as REC READ. */
export const cmgr: SimBehaviour = {
  name: 'cmgr',
  match: (c) => c.name === '+CMGR',
  handle: (c, ctx) => {
    if (c.kind === 'test') return ok();
    const mem = ctx.modem.storage.memory(ctx.settings.cpms[0]);
    const index = Number(c.args[0]);
    if (c.kind !== 'set' || !mem.inRange(index)) return cms(321);
    const msg = mem.get(index);
    if (!msg) return emptySlot(ctx);
    const lines = cmgrLines(ctx, msg);
    if (msg.stat === 0) msg.stat = 1;
    return ok(...lines);
  },
};

const TEXT_FILTER: Record<string, MessageStat | 4> = { 'REC UNREAD': 0, 'REC READ': 1, 'STO UNSENT': 2, 'STO SENT': 3, ALL: 4 };

/** `AT+CMGL`: `=0..4` in PDU mode, `="ALL"` etc. in text mode; the wrong kind is ERROR. */
export const cmgl: SimBehaviour = {
  name: 'cmgl',
  match: (c) => c.name === '+CMGL',
  handle: (c, ctx) => {
    const text = ctx.settings.cmgf === 1;
    if (c.kind === 'test') return ok(text ? '+CMGL: ("REC UNREAD","REC READ","STO UNSENT","STO SENT","ALL")' : '+CMGL: (0-4)');
    const raw = c.kind === 'set' ? c.argText.trim() : text ? '"REC UNREAD"' : '0';
    const quoted = /^"(.*)"$/.exec(raw);
    const filter = text ? (quoted ? TEXT_FILTER[(quoted[1] ?? '').toUpperCase()] : undefined) : /^[0-4]$/.test(raw) ? Number(raw) : undefined;
    if (filter === undefined) return error();
    const lines: string[] = [];
    for (const msg of ctx.modem.storage.memory(ctx.settings.cpms[0]).list()) {
      if (filter !== 4 && msg.stat !== filter) continue;
      if (text) lines.push(`+CMGL: ${msg.index},${textHeader(msg)}`, msg.text);
      else lines.push(`+CMGL: ${msg.index},${msg.stat},,${tpduLength(msg.pdu)}`, hex(ctx, msg));
      if (msg.stat === 0) msg.stat = 1;
    }
    return ok(...lines);
  },
};

// <delflag> 1..4: which stats go (27.005 §3.5.4).
const DELFLAG: Record<number, MessageStat[]> = { 1: [1], 2: [1, 3], 3: [1, 2, 3], 4: [0, 1, 2, 3] };

/** `AT+CMGD=<i>[,<delflag>]` and `AT+CMGD=?` (`+CMGD: (<used indices>),(0-4)`). */
export const cmgd: SimBehaviour = {
  name: 'cmgd',
  match: (c) => c.name === '+CMGD',
  handle: (c, ctx) => {
    const mem = ctx.modem.storage.memory(ctx.settings.cpms[0]);
    if (c.kind === 'test') return ok(`+CMGD: (${mem.list().map((m) => m.index).join(',')}),(0-4)`);
    if (c.kind !== 'set') return error();
    const index = Number(c.args[0]);
    const flag = c.args[1] === undefined || c.args[1] === '' ? 0 : Number(c.args[1]);
    if (flag === 0) {
      if (!mem.inRange(index)) return cms(321);
      mem.delete(index);
      return ok();
    }
    const stats = DELFLAG[flag];
    if (!stats) return fail({ type: 'cms', code: 302 });
    for (const m of mem.list()) if (stats.includes(m.stat)) mem.delete(m.index);
    return ok();
  },
};
