import { decodePdu } from '../../modem/pdu/index.js';
import { isRegistered } from './network.js';
import { cms, later, ok, prompt } from '../outcome.js';
import type { Outcome, PromptBody, SentSms, SimBehaviour, SimContext } from '../types.js';

/** Checks a typed PDU the way modems do; returns a `+CMS ERROR` code or the accepted submit. */
export function checkPduBody(hex: string, declared: number): number | Omit<SentSms, 'mr' | 'at'> {
  // 27.005: hex digits, two per octet, one line. Invalid -> 304.
  if (hex === '' || hex.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(hex)) return 304;
  const smscOctets = 1 + parseInt(hex.slice(0, 2), 16);
  // <length> counts TPDU octets only, not the SMSC field (SIM800 manual, ModemManager).
  if (hex.length / 2 - smscOctets !== declared) return 304;
  let decoded;
  try {
    decoded = decodePdu(hex, { smscIncluded: true });
  } catch {
    return 304;
  }
  if (decoded.type !== 'submit') return 304;
  return {
    to: decoded.recipient,
    text: decoded.text,
    pdu: hex.toUpperCase(),
    encoding: decoded.encoding,
    concat: decoded.concat,
    statusReportRequested: decoded.statusReportRequested,
  };
}

function submit(ctx: SimContext, sms: Omit<SentSms, 'mr' | 'at'>): Outcome {
  const modem = ctx.modem;
  // '00' SMSC field = "use the SMSC stored by AT+CSCA" (Telit GM862 manual).
  if (sms.pdu?.startsWith('00') && modem.simCard.smsc === '') return cms(330);
  if (!isRegistered(modem.effectiveNetwork())) return cms(331);
  if (modem.quirks.sendFailsWhenFull && modem.storage.memory(ctx.settings.cpms[2]).full) return cms(322);
  const mr = modem.nextMessageReference();
  return later(modem.options.sendLatencyMs, () => {
    modem.recordSent({ ...sms, mr, at: modem.options.clock() });
    return ok(`+CMGS: ${mr}`);
  });
}

function onPduBody(declared: number) {
  return (body: PromptBody, ctx: SimContext): Outcome => {
    if (body.end === 'abort') return ok(); // ESC: "acknowledged with OK, though the message will not be sent"
    const checked = checkPduBody(body.text.replace(/\s+/g, ''), declared);
    return typeof checked === 'number' ? cms(checked) : submit(ctx, checked);
  };
}

function onTextBody(to: string) {
  return (body: PromptBody, ctx: SimContext): Outcome => {
    if (body.end === 'abort') return ok();
    // Bit 5 of <fo> in AT+CSMP asks for a status report (python-gsmmodem uses 49).
    const fo = Number(ctx.settings.csmp.split(',')[0] ?? '17');
    const text = body.text.replace(/\r\n?/g, '\n');
    return submit(ctx, { to, text, statusReportRequested: (fo & 0x20) !== 0 });
  };
}

/**
 * `AT+CMGS`: prompt (after `promptLatencyMs`), body until Ctrl-Z (ESC aborts), then
 * `+CMGS: <mr>` after `sendLatencyMs`. PDU mode checks hex, the declared length and
 * the codec's verdict (`+CMS ERROR: 304`); no network -> 331; no SMSC -> 330.
 */
export const cmgs: SimBehaviour = {
  name: 'cmgs',
  match: (c) => c.name === '+CMGS',
  handle: (c, ctx) => {
    if (c.kind === 'test') return ok();
    if (c.kind !== 'set') return cms(ctx.settings.cmgf === 1 ? 305 : 304);
    const latency = ctx.modem.options.promptLatencyMs;
    if (ctx.settings.cmgf === 1) {
      const to = c.args[0] ?? '';
      if (to === '') return cms(305);
      return later(latency, () => prompt(onTextBody(to), true));
    }
    const declared = Number(c.args[0]);
    if (!Number.isInteger(declared) || declared < 1 || declared > 176) return cms(304);
    return later(latency, () => prompt(onPduBody(declared)));
  },
};

/**
 * `AT+CMGW=<len>`: stores a SUBMIT as STO UNSENT in the write memory (CPMS mem2) and
 * answers `+CMGW: <i>`; a full memory gives `+CMS ERROR: 322`.
 */
export const cmgw: SimBehaviour = {
  name: 'cmgw',
  match: (c) => c.name === '+CMGW' && c.kind === 'set',
  handle: (c, ctx) => {
    if (ctx.settings.cmgf === 1) return cms(305);
    const declared = Number(c.args[0]);
    return prompt((body, ctx2) => {
      if (body.end === 'abort') return ok();
      const hex = body.text.replace(/\s+/g, '');
      const checked = checkPduBody(hex, declared);
      if (typeof checked === 'number') return cms(checked);
      const stored = ctx2.modem.storage.memory(ctx2.settings.cpms[1]).add({
        stat: 2,
        pdu: hex.toUpperCase(),
        kind: 'submit',
        address: checked.to,
        text: checked.text,
        timestamp: ctx2.modem.options.clock(),
      });
      return stored ? ok(`+CMGW: ${stored.index}`) : cms(322);
    });
  },
};
