import type { Personality } from './personalities/personality.js';
import type { SimError } from './types.js';

// Verbose texts for AT+CMEE=2 (27.007 §9.2, 27.005 §3.2.5); others print "unknown error".
const CME_TEXT: Record<number, string> = {
  3: 'operation not allowed',
  4: 'operation not supported',
  10: 'SIM not inserted',
  11: 'SIM PIN required',
  12: 'SIM PUK required',
  13: 'SIM failure',
  14: 'SIM busy',
  16: 'incorrect password',
  30: 'no network service',
  100: 'unknown',
};
const CMS_TEXT: Record<number, string> = {
  300: 'ME failure',
  302: 'operation not allowed',
  303: 'operation not supported',
  304: 'invalid PDU mode parameter',
  305: 'invalid text mode parameter',
  321: 'invalid memory index',
  322: 'memory full',
  330: 'SMSC address unknown',
  331: 'no network service',
  340: 'no CNMA acknowledgement expected',
};

/** The final-result line for an error, honouring AT+CMEE and the personality. */
export function errorLine(err: SimError, cmee: 0 | 1 | 2, p: Personality): string {
  if (err.type === 'error') return 'ERROR';
  if (err.type === 'unknown-command') {
    if (p.unknownCommand === 'command-not-support') return 'COMMAND NOT SUPPORT';
    if (p.unknownCommand === 'cme100') return errorLine({ type: 'cme', code: 100 }, cmee, p);
    return 'ERROR';
  }
  if (cmee === 0) return 'ERROR';
  const prefix = err.type === 'cme' ? '+CME ERROR: ' : '+CMS ERROR: ';
  if (cmee === 1) return prefix + String(err.code);
  const table = err.type === 'cme' ? CME_TEXT : CMS_TEXT;
  return prefix + (table[err.code] ?? 'unknown error');
}

/**
 * Verbose (V1) framing: information lines as `\r\n<l1>\r\n<l2>\r\n`, then URCs that
 * arrived meanwhile, then `\r\n<final>\r\n` — hence the empty line before OK.
 */
export function frameResponse(lines: string[], midUrcs: string[], final: string, p: Personality): string {
  let out = lines.length > 0 ? `\r\n${lines.join('\r\n')}\r\n` : '';
  for (const u of midUrcs) out += `\r\n${u}\r\n`;
  out += `\r\n${final}\r\n`;
  if (p.trailingBlankLine) out += '\r\n';
  return out;
}

/** Frames one URC (possibly two lines, as `+CMT:` header + PDU). */
export function frameUrc(lines: string[], doubleCr = false): string {
  return `\r\n${lines.join('\r\n')}${doubleCr ? '\r\r\n' : '\r\n'}`;
}
