/**
 * USSD on the wire, pure: the `+CUSD: <m>[,<str>[,<dcs>]]` reply (TS 27.007 §7.15), what
 * its status means, the alphabet its data coding scheme names (TS 23.038 §5, the cell
 * broadcast coding groups that USSD uses), and the text in whichever form the modem
 * printed it: plain characters, packed GSM 7-bit in hex (Huawei and SIM300D firmware print
 * and expect that whatever AT+CSCS says), or UCS-2 in hex.
 */
import { gsm7ToText, textToGsm7 } from './pdu/gsm7-alphabet.js';
import { packSeptets, unpackSeptets } from './pdu/gsm7-pack.js';
import { fromHex, toHex } from './pdu/octets.js';
import { decodeUcs2 } from './pdu/ucs2.js';

/** `<m>` of +CUSD in words (TS 27.007 §7.15). */
export const USSD_STATUS_TEXT: Readonly<Record<number, string>> = {
  0: 'no further action required',
  1: 'further user action required (menu)',
  2: 'terminated by network',
  3: 'other local client has responded',
  4: 'operation not supported',
  5: 'network time out',
};

/** The words of a status; unknown values say so. */
export function ussdStatusText(status: number): string {
  return USSD_STATUS_TEXT[status] ?? `unknown status ${status}`;
}

/** Only status 1 leaves the session open for a reply. */
export function ussdSessionOpen(status: number): boolean {
  return status === 1;
}

/** One `+CUSD:` line, split but not decoded. */
export interface CusdLine {
  status: number;
  /** `<str>` without its quotes, as printed. */
  raw?: string;
  dcs?: number;
}

/** `1,"4261...",15` / `0,"Balance: 1.00",15` / `2` / `0, "x" ,72` → parts; undefined when `<m>` is missing. */
export function parseCusd(args: string): CusdLine | undefined {
  const m = /^\s*(\d+)\s*(?:,\s*(?:"([^"]*)"|([^,]*?))\s*(?:,\s*(\d+)\s*)?)?$/s.exec(args);
  if (!m) return undefined;
  const line: CusdLine = { status: Number(m[1]) };
  const raw = m[2] ?? m[3];
  if (raw !== undefined && (m[2] !== undefined || raw !== '')) line.raw = raw;
  if (m[4] !== undefined) line.dcs = Number(m[4]);
  return line;
}

/** The alphabet of a USSD string. */
export type UssdAlphabet = 'gsm7' | 'ucs2' | '8bit';

/**
 * The alphabet a cell-broadcast/USSD DCS names (TS 23.038 §5), and how many leading
 * characters are a language indication rather than text:
 * - 0000xxxx, 0010xxxx, 0011xxxx: GSM 7-bit in a given language (0x0F: unspecified);
 * - 0001 0000: GSM 7-bit, the text preceded by a language and CR (3 characters);
 *   0001 0001: UCS-2, preceded by a language in two GSM 7-bit characters (2 octets);
 * - 01xxxxxx and 1001xxxx: general coding, bits 3-2 give the alphabet (0x48 is UCS-2);
 * - 1111xxxx: bit 2 set is 8-bit data, else GSM 7-bit.
 * 0x08 is, by the letter of the standard, GSM 7-bit in language 8; modems and networks
 * that reuse the SMS meaning send UCS-2 with it, so it is UCS-2 when the text is UCS-2 hex.
 */
export function ussdAlphabet(dcs: number | undefined): { alphabet: UssdAlphabet; languagePrefix: number; ambiguous?: boolean } {
  if (dcs === undefined) return { alphabet: 'gsm7', languagePrefix: 0 };
  const group = dcs >> 4;
  if (dcs === 0x10) return { alphabet: 'gsm7', languagePrefix: 3 };
  if (dcs === 0x11) return { alphabet: 'ucs2', languagePrefix: 2 };
  if (dcs === 0x08) return { alphabet: 'ucs2', languagePrefix: 0, ambiguous: true };
  if ((dcs & 0xc0) === 0x40 || group === 0x9) {
    const bits = (dcs >> 2) & 0x03;
    return { alphabet: bits === 2 ? 'ucs2' : bits === 1 ? '8bit' : 'gsm7', languagePrefix: 0 };
  }
  if (group === 0xf) return { alphabet: (dcs & 0x04) !== 0 ? '8bit' : 'gsm7', languagePrefix: 0 };
  return { alphabet: 'gsm7', languagePrefix: 0 };
}

/** How the modem prints GSM 7-bit USSD strings. */
export type UssdGsm7Form = 'auto' | 'text' | 'packed-hex';

const HEX = /^(?:[0-9A-Fa-f]{2})+$/;

/** Printable GSM text: letters and signs, CR and LF, no other control character. */
function plausible(text: string): boolean {
  if (text.length === 0) return false;
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    if (c < 0x20 && c !== 0x0a && c !== 0x0d) return false;
  }
  return true;
}

/**
 * Unpacks hex-printed packed septets. A last septet that only fills the final octet is
 * padding: CR by TS 23.038 §6.1.2.3.1, zero bits (`@`) from encoders that ignore it.
 */
export function unpackGsm7Hex(hex: string): string {
  const bytes = fromHex(hex);
  const septets = unpackSeptets(bytes, Math.floor((bytes.length * 8) / 7));
  if (septets.length * 7 === bytes.length * 8 && (septets.at(-1) === 0x0d || septets.at(-1) === 0)) septets.pop();
  return gsm7ToText(septets, []);
}

/** Packs a USSD string for modems that take packed hex, CR-padded when the last octet has room for one more septet. */
export function packGsm7Hex(text: string): string | undefined {
  const codes = textToGsm7(text);
  if (!codes) return undefined;
  if ((codes.length + 1) % 8 === 0) codes.push(0x0d);
  return toHex(packSeptets(codes));
}

function decodeUcs2Hex(hex: string): string {
  return decodeUcs2(fromHex(hex), []);
}

/** Looks like UCS-2 hex: whole code units, and text without control characters. */
function ucs2Hex(raw: string): string | undefined {
  if (raw.length % 4 !== 0 || !HEX.test(raw)) return undefined;
  const text = decodeUcs2Hex(raw);
  return plausible(text) ? text : undefined;
}

/**
 * The text of a USSD string. `form` says how this modem prints GSM 7-bit strings; `auto`
 * takes hex for packed septets only when it cannot be a plain answer made of digits (8 hex
 * digits or more, at least one of them a letter) and unpacks to printable text, otherwise
 * the characters as printed.
 */
export function decodeUssdText(raw: string, dcs: number | undefined, form: UssdGsm7Form = 'auto'): string {
  const { alphabet, languagePrefix, ambiguous } = ussdAlphabet(dcs);
  if (alphabet === 'ucs2') {
    const text = ucs2Hex(raw);
    if (text !== undefined) return text.slice(languagePrefix > 0 ? 1 : 0);
    // DCS 8 with plain characters: the standard's GSM 7-bit meaning after all.
    if (!ambiguous && !HEX.test(raw)) return raw;
    if (!ambiguous) return decodeUcs2Hex(raw.slice(0, raw.length - (raw.length % 4)));
  }
  if (alphabet === '8bit') return HEX.test(raw) ? Buffer.from(fromHex(raw)).toString('latin1') : raw;
  let text = raw;
  if (form === 'packed-hex' && HEX.test(raw)) text = unpackGsm7Hex(raw);
  else if (form === 'auto' && raw.length >= 8 && HEX.test(raw) && /[A-Fa-f]/.test(raw)) {
    const unpacked = unpackGsm7Hex(raw);
    if (plausible(unpacked)) text = unpacked;
  }
  return languagePrefix > 0 ? text.slice(languagePrefix) : text;
}

/** The `<str>` of `AT+CUSD=1,"<str>",15`: the code or reply as it is, or packed hex. */
export function encodeUssdRequest(text: string, form: UssdGsm7Form): string {
  if (form !== 'packed-hex') return text;
  return packGsm7Hex(text) ?? text;
}
