import type { ParsedCommand } from './types.js';

/** Basic (non-`+`) commands the simulator understands inside one AT line. */
const BASIC = /^(E|Z|I|V|Q|&F|&W|&V|X|S\d+)(\d*)/i;

/** Splits `a,"b,c",d` on commas outside quotes and strips the quotes. */
export function splitArgs(text: string): string[] {
  if (text === '') return [];
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

function extended(body: string): ParsedCommand {
  const m = /^([+^$#*%][A-Z0-9]+)(=\?|\?|=)?(.*)$/i.exec(body);
  const name = (m?.[1] ?? body).toUpperCase();
  const op = m?.[2];
  const argText = m?.[3] ?? '';
  const kind = op === '=?' ? 'test' : op === '?' ? 'read' : op === '=' ? 'set' : 'exec';
  return { raw: `AT${body}`, name, kind, argText, args: kind === 'set' ? splitArgs(argText) : [] };
}

/**
 * Splits one command line (without its `\r`) into single commands:
 * `ATE0` -> [E0]; `AT+CMEE=1;+CREG=2` -> [+CMEE=1, +CREG=2]; `ATE1+CMGS=20` -> [E1, +CMGS=20].
 * Returns null when the line is not an AT command (modems ignore such lines).
 */
export function parseCommandLine(line: string): ParsedCommand[] | null {
  const trimmed = line.trim();
  if (!/^AT/i.test(trimmed)) return null;
  let rest = trimmed.slice(2);
  if (rest === '') return [{ raw: 'AT', name: '', kind: 'exec', argText: '', args: [] }];
  const out: ParsedCommand[] = [];
  for (let m = BASIC.exec(rest); m && rest !== ''; m = BASIC.exec(rest)) {
    const name = (m[1] ?? '').toUpperCase();
    // `S0?` / `S0=1` register forms are read as exec with the raw text as argument.
    out.push({ raw: `AT${m[0]}`, name, kind: 'exec', argText: m[2] ?? '', args: [] });
    rest = rest.slice(m[0].length);
  }
  if (rest === '') return out;
  let part = '';
  let quoted = false;
  for (const ch of rest) {
    if (ch === '"') quoted = !quoted;
    if (ch === ';' && !quoted) {
      if (part.trim() !== '') out.push(extended(part.trim()));
      part = '';
    } else part += ch;
  }
  if (part.trim() !== '') out.push(extended(part.trim()));
  return out;
}
