import { gsm7Cost, isGsm7 } from './gsm7-alphabet.js';
import type { Segmentation } from './types.js';

/** Septets in a single GSM-7 SMS: 140 octets × 8 / 7 (TS 23.040 §9.2.3.16). */
export const GSM7_SINGLE = 160;
/** Septets per part after the 6-octet concatenation UDH (7 septets incl. fill). */
export const GSM7_PART = 153;
/** UTF-16 units in a single UCS-2 SMS: 140 octets / 2. */
export const UCS2_SINGLE = 70;
/** UTF-16 units per part after the 6-octet concatenation UDH: 134 octets / 2. */
export const UCS2_PART = 67;

/** Octets of the 8-bit-reference concatenation UDH incl. UDHL (TS 23.040 §9.2.3.24.1). */
export const CONCAT8_UDH_OCTETS = 6;
/** Octets of the 16-bit-reference concatenation UDH incl. UDHL (TS 23.040 §9.2.3.24.8). */
export const CONCAT16_UDH_OCTETS = 7;

/**
 * Splits text into SMS parts: GSM 7-bit default alphabet + extension table (€ [ ] { } ^ ~ \ |
 * and form feed count 2 septets; an escape pair is never split), 160 septets single / 153 per
 * part when concatenated; anything not in GSM-7 -> UCS-2: 70 UTF-16 units single / 67 per
 * part, a surrogate pair never split.
 */
export function segmentText(text: string): Segmentation {
  return segmentWithHeader(text, CONCAT8_UDH_OCTETS);
}

/** Like `segmentText`, for parts that carry a UDH of `headerOctets` octets when split. */
export function segmentWithHeader(text: string, headerOctets: number): Segmentation {
  const room = 140 - headerOctets;
  return isGsm7(text)
    ? { encoding: 'gsm7', parts: splitGsm7(text, Math.floor((room * 8) / 7)) }
    : { encoding: 'ucs2', parts: splitUcs2(text, Math.floor(room / 2)) };
}

/** Number of SMS parts `text` needs (see `segmentText`). */
export function countParts(text: string): number {
  return segmentText(text).parts.length;
}

/** Septets `text` occupies in GSM-7, or undefined when it is not GSM-7 text. */
export function gsm7Length(text: string): number | undefined {
  let n = 0;
  for (const ch of text) {
    const cost = gsm7Cost(ch);
    if (cost === undefined) return undefined;
    n += cost;
  }
  return n;
}

function splitGsm7(text: string, perPart: number): string[] {
  const total = gsm7Length(text) ?? 0;
  if (total <= GSM7_SINGLE) return [text];
  const parts: string[] = [];
  let current = '';
  let used = 0;
  for (const ch of text) {
    // A character is atomic, so an escape pair always lands whole in one part.
    const cost = gsm7Cost(ch) ?? 1;
    if (used + cost > perPart) {
      parts.push(current);
      current = '';
      used = 0;
    }
    current += ch;
    used += cost;
  }
  parts.push(current);
  return parts;
}

function splitUcs2(text: string, perPart: number): string[] {
  if (text.length <= UCS2_SINGLE) return [text];
  const parts: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + perPart, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    parts.push(text.slice(start, end));
    start = end;
  }
  return parts;
}
