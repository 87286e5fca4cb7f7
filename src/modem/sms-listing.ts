/**
 * Parsing `AT+CMGR` / `AT+CMGL` answers in PDU mode, pure. Real headers vary
 * (docs/hardware.md#reading-and-listing-stored-messages): `<stat>` optional, `<alpha>` optional / empty / quoted
 * / unquoted, the last integer is the TPDU length, and the PDU follows on the next
 * non-empty line or after a space on the same line. Empty slots answer `+CMGR: 0,,0`.
 */
import { KatarError } from '../errors.js';

/** One message of a listing (`index` only for `+CMGL`). */
export interface ListingEntry {
  index?: number;
  /** 0 REC UNREAD, 1 REC READ, 2 STO UNSENT, 3 STO SENT; absent on ZTE/ES75-style headers. */
  stat?: number;
  alpha?: string;
  /** TPDU length from the header (octets without the SMSC field). */
  length: number;
  /** Upper-case hex with the SMSC field; a stray `,0` and FF padding removed. */
  pdu: string;
}

/** Result of parsing a `+CMGL` answer: the entries and what could not be understood. */
export interface Listing {
  entries: ListingEntry[];
  problems: string[];
}

interface Header {
  index?: number;
  stat?: number;
  alpha?: string;
  length: number;
  inlinePdu?: string;
}

const HEX_LINE = /^[0-9A-Fa-f]+(?:,\d+)?$/;

/** Splits on commas outside double quotes; fields keep their quotes and are trimmed. */
function splitFields(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

const isQuoted = (f: string | undefined): boolean => f !== undefined && /^".*"$/.test(f);
const unquote = (f: string): string => f.replace(/^"(.*)"$/, '$1');

function textMode(line: string): KatarError {
  return new KatarError('PDU_UNSUPPORTED', 'text-mode listing while PDU mode was expected', { reason: 'text-mode', line: line.slice(0, 40) });
}

/**
 * Parses a `+CMGR:` / `+CMGRD:` / `+CMGL:` header line. Throws PDU_UNSUPPORTED for a
 * text-mode header (`"REC READ",...`), returns undefined when it is not a header at all.
 */
function parseHeader(line: string, withIndex: boolean): Header | undefined {
  const m = /^\+CMG(?:RD?|L)\s*:\s*(.*)$/i.exec(line.trim());
  if (!m) return undefined;
  const f = splitFields(m[1] ?? '');
  const header: Partial<Header> = {};
  if (withIndex) {
    const idx = f.shift();
    if (idx === undefined || !/^\d+$/.test(idx)) return undefined;
    header.index = Number(idx);
  }
  const last = f.pop() ?? '';
  const tail = /^(\d+)(?:\s+(\S+))?$/.exec(last);
  if (!tail) {
    if (isQuoted(f[0]) || isQuoted(last)) throw textMode(line);
    return undefined;
  }
  // What is left is [<stat>] or [..., <stat>, <alpha>] (gammu at-sms/26 has a leading extra field).
  const stat = f.length === 1 ? f[0] : f[f.length - 2];
  const alpha = f.length >= 2 ? f[f.length - 1] : undefined;
  if (isQuoted(stat)) throw textMode(line);
  if (stat !== undefined && /^\d+$/.test(stat)) header.stat = Number(stat);
  if (alpha !== undefined && unquote(alpha) !== '') header.alpha = unquote(alpha);
  header.length = Number(tail[1]);
  if (tail[2] !== undefined) header.inlinePdu = tail[2];
  return header as Header;
}

/**
 * Normalises a PDU line: upper case, a trailing `,0` dropped ("it simply happens with some
 * phones", gammu), and FF padding beyond SMSC field + TPDU length cut (gammu at-sms/32).
 */
export function cleanPdu(raw: string, tpduLength: number): string {
  let hex = raw.trim().replace(/,\d+$/, '').toUpperCase();
  const smscOctets = 1 + parseInt(hex.slice(0, 2), 16);
  const expected = (smscOctets + tpduLength) * 2;
  if (Number.isFinite(expected) && hex.length > expected && /^(FF)+$/.test(hex.slice(expected))) hex = hex.slice(0, expected);
  return hex;
}

function entryOf(header: Header, pduText: string): ListingEntry {
  const entry: ListingEntry = { length: header.length, pdu: cleanPdu(pduText, header.length) };
  if (header.index !== undefined) entry.index = header.index;
  if (header.stat !== undefined) entry.stat = header.stat;
  if (header.alpha !== undefined) entry.alpha = header.alpha;
  return entry;
}

/**
 * Parses the information lines of `AT+CMGR=<i>`. Returns undefined for an empty slot
 * (no header, i.e. a bare OK, or `+CMGR: 0,,0`); throws PDU_INVALID when the header has
 * no PDU and PDU_UNSUPPORTED for a text-mode answer.
 */
export function parseCmgr(lines: readonly string[]): ListingEntry | undefined {
  const at = lines.findIndex((l) => /^\+CMGRD?\s*:/i.test(l.trim()));
  if (at < 0) return undefined;
  const headerLine = lines[at] ?? '';
  const header = parseHeader(headerLine, false);
  if (!header) throw new KatarError('PDU_INVALID', 'unreadable +CMGR header', { line: headerLine.slice(0, 40) });
  if (header.length === 0) return undefined;
  const pdu = header.inlinePdu ?? lines.slice(at + 1).map((l) => l.trim()).find((l) => l !== '');
  if (pdu === undefined || !HEX_LINE.test(pdu)) throw new KatarError('PDU_INVALID', '+CMGR header without a PDU', { line: headerLine.slice(0, 40) });
  return entryOf(header, pdu);
}

/**
 * Parses the information lines of `AT+CMGL=4`. Header lines glued to the previous PDU
 * ("some phones do not put new line before +CMGL", gammu) are split first.
 */
export function parseCmgl(lines: readonly string[]): Listing {
  const flat = lines.flatMap((l) => l.split(/(?=\+CMGL\s*:)/i)).map((l) => l.trim()).filter((l) => l !== '');
  const entries: ListingEntry[] = [];
  const problems: string[] = [];
  for (let i = 0; i < flat.length; i++) {
    const line = flat[i] ?? '';
    const header = parseHeader(line, true);
    if (!header) {
      problems.push(`unexpected line: ${line.slice(0, 40)}`);
      continue;
    }
    if (header.inlinePdu !== undefined) {
      entries.push(entryOf(header, header.inlinePdu));
      continue;
    }
    const next = flat[i + 1];
    if (next === undefined || !HEX_LINE.test(next)) {
      problems.push(`no PDU after: ${line.slice(0, 40)}`);
      continue;
    }
    i++;
    entries.push(entryOf(header, next));
  }
  return { entries, problems };
}
