/**
 * What can be told from the text of an AT command alone: which response prefixes it
 * claims, whether it dials, how to recognise its echo, and how to print it safely.
 */

/**
 * Response prefixes a command claims by default: the extended command names it contains,
 * e.g. `AT+CREG?` → `['+CREG']`, `AT+CMEE=1;+CSQ` → `['+CMEE', '+CSQ']`, `ATI` → `[]`.
 * A claimed prefix makes `+CREG: 1` a response line rather than a URC.
 */
export function deriveClaims(command: string): string[] {
  const claims: string[] = [];
  for (const part of command.trim().split(';')) {
    const m = /^(?:AT)?\s*([+^#$%*][A-Z0-9_]+)/i.exec(part.trim());
    if (m?.[1]) claims.push(m[1].toUpperCase());
  }
  return claims;
}

/**
 * True for dial / answer commands, the only ones whose call-progress results
 * (`NO CARRIER`, `BUSY`...) are final (TS 27.007 §6.2); for anything else such a line is a
 * call ending elsewhere and is routed as an unsolicited result.
 */
export function isDialCommand(command: string): boolean {
  return /^AT\s*(D|A\s*$)/i.test(command.trim());
}

/** True when `line` is the modem echoing `command` back (echo on, `ATE1`). */
export function isEcho(line: string, command: string): boolean {
  return normalise(line) === normalise(command);
}

/**
 * True when `line` is the modem echoing the PDU typed after the prompt, with or without the
 * prompt glued in front (`> 0791...`, gammu issue #89) and in any hex case.
 */
export function isPduEcho(line: string, pdu: string): boolean {
  const text = normalise(line).replace(/^>\s*/, '');
  const hex = pdu.toUpperCase();
  return text.length > 0 && (text === hex || (text.length >= 16 && hex.startsWith(text)));
}

function normalise(s: string): string {
  return s.trim().toUpperCase();
}

const SENSITIVE = /^AT\s*(\+CPIN|\+CPWD|\+CLCK|\+CMGS|\+CMGW|\+CSCA|\+CUSD|D)/i;

/**
 * The command as it may appear in error messages and logs above debug: quoted arguments
 * (PINs, phone numbers, USSD codes) and dial strings are masked.
 */
export function redactCommand(command: string): string {
  const cmd = command.trim();
  if (!SENSITIVE.test(cmd)) return cmd;
  if (/^ATD/i.test(cmd)) return 'ATD***';
  return cmd.replace(/"[^"]*"/g, '"***"').replace(/(\+CPIN\s*=\s*)(\d+)/i, '$1***');
}
