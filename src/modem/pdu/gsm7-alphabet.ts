/**
 * The GSM 7-bit default alphabet and its extension table (TS 23.038 §6.2.1, §6.2.1.1).
 * Text <-> septet codes only; bit packing lives in gsm7-pack.ts.
 */

/** The escape code that switches to the extension table for one character. */
export const GSM7_ESCAPE = 0x1b;

// Index = septet code. 0x1B is the escape itself, so its slot is never used for text.
const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

const EXTENSION: ReadonlyArray<readonly [number, string]> = [
  [0x0a, '\f'],
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '€'],
];

const basicByChar = new Map<string, number>();
for (let i = 0; i < BASIC.length; i++) {
  if (i !== GSM7_ESCAPE) basicByChar.set(BASIC.charAt(i), i);
}
const extByChar = new Map<string, number>(EXTENSION.map(([code, ch]) => [ch, code]));
const extByCode = new Map<number, string>(EXTENSION);

/** Septet codes of one character: one code, an escape pair, or undefined when not in GSM-7. */
export function gsm7CodesOf(ch: string): number[] | undefined {
  const basic = basicByChar.get(ch);
  if (basic !== undefined) return [basic];
  const ext = extByChar.get(ch);
  if (ext !== undefined) return [GSM7_ESCAPE, ext];
  return undefined;
}

/** Septets one character costs (1 or 2), or undefined when it is not in GSM-7. */
export function gsm7Cost(ch: string): 1 | 2 | undefined {
  if (basicByChar.has(ch)) return 1;
  if (extByChar.has(ch)) return 2;
  return undefined;
}

/** True when every character of `text` is in the default alphabet or its extension table. */
export function isGsm7(text: string): boolean {
  for (const ch of text) if (gsm7Cost(ch) === undefined) return false;
  return true;
}

/** Septet codes of a text; undefined when a character is not representable. */
export function textToGsm7(text: string): number[] | undefined {
  const out: number[] = [];
  for (const ch of text) {
    const codes = gsm7CodesOf(ch);
    if (codes === undefined) return undefined;
    out.push(...codes);
  }
  return out;
}

/** Text of septet codes; `warnings` collects escapes that do not name an extension character. */
export function gsm7ToText(codes: ArrayLike<number>, warnings: string[]): string {
  let out = '';
  for (let i = 0; i < codes.length; i++) {
    const code = (codes[i] ?? 0) & 0x7f;
    if (code !== GSM7_ESCAPE) {
      out += BASIC.charAt(code);
      continue;
    }
    const next = codes[i + 1];
    if (next === undefined) {
      // TS 23.038 §6.2.1.1: an escape with nothing after it is shown as a space.
      warnings.push('GSM-7 text ends with a lone escape code');
      out += ' ';
      continue;
    }
    i++;
    const ext = extByCode.get(next & 0x7f);
    if (ext !== undefined) {
      out += ext;
    } else {
      // TS 23.038 §6.2.1.1: an unknown extension code is shown as the default-table character.
      warnings.push(`GSM-7 escape followed by unassigned code 0x${(next & 0x7f).toString(16)}`);
      out += (next & 0x7f) === GSM7_ESCAPE ? ' ' : BASIC.charAt(next & 0x7f);
    }
  }
  return out;
}
