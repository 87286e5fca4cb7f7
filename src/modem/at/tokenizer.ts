/**
 * Framing of the modem's byte stream into lines and the SMS prompt. Pure: bytes in, tokens
 * out; it knows nothing about the command in flight.
 *
 * Why not `@serialport/parser-readline`: it splits on one fixed delimiter and only emits
 * what comes before it. The SMS prompt (`\r\n> `, TS 27.005 §3.5.1) is not followed by any
 * delimiter on most modems, so readline would keep it buffered until the next line arrives,
 * which never happens because the modem is waiting for us. It also cannot treat `\r\r\n`,
 * bare `\r` and bare `\n` as one kind of line end. So the engine feeds raw bytes here.
 */

/** One framed unit of modem output. */
export type AtToken =
  /** A non-blank text line, trimmed, with control characters removed. */
  | { kind: 'line'; text: string }
  /** The SMS editor prompt (`>` with optional space and optional CR LF). */
  | { kind: 'prompt' }
  /** Bytes that are not text (binary noise, a line of control characters, an overlong run). */
  | { kind: 'noise'; text: string };

const CR = 0x0d;
const LF = 0x0a;
const TAB = 0x09;

/** A line longer than this without a line end is treated as noise (e.g. wrong baud rate). */
export const MAX_LINE_BYTES = 8192;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const lossy = new TextDecoder('utf-8');

/** Splits modem output into lines and prompts; feed it every received chunk in order. */
export class AtTokenizer {
  private pending: Buffer = Buffer.alloc(0);

  /** Appends a chunk and returns the tokens it completes (possibly none). */
  push(chunk: Buffer | string): AtToken[] {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let data = this.pending.length === 0 ? bytes : Buffer.concat([this.pending, bytes]);
    const tokens: AtToken[] = [];

    let start = 0;
    for (let i = 0; i < data.length; i++) {
      const b = data[i];
      if (b !== CR && b !== LF) continue;
      // Any run of CR/LF ends the line; the empty lines between them are simply dropped,
      // which covers `\r\n`, `\r\r\n` (Huawei), bare `\r` (echo) and bare `\n`.
      if (i > start) this.emitLine(data.subarray(start, i), tokens);
      start = i + 1;
    }
    data = data.subarray(start);

    const tail = decodeTail(data);
    if (tail !== undefined) {
      const prompt = splitPrompt(tail);
      if (prompt) {
        if (prompt.before) tokens.push({ kind: 'line', text: prompt.before });
        tokens.push({ kind: 'prompt' });
        data = Buffer.alloc(0);
      }
    }
    if (data.length > MAX_LINE_BYTES) {
      tokens.push({ kind: 'noise', text: lossy.decode(data.subarray(0, 64)) });
      data = Buffer.alloc(0);
    }
    this.pending = Buffer.from(data);
    return tokens;
  }

  /** Forgets any partial line (e.g. after reopening the port). */
  reset(): void {
    this.pending = Buffer.alloc(0);
  }

  private emitLine(raw: Buffer, tokens: AtToken[]): void {
    const cleaned = stripControl(raw);
    if (cleaned.length === 0) {
      if (raw.some((b) => b !== 0x20 && b !== TAB)) tokens.push({ kind: 'noise', text: '' });
      return;
    }
    let text: string;
    try {
      text = utf8.decode(cleaned).trim();
    } catch {
      tokens.push({ kind: 'noise', text: lossy.decode(cleaned).trim() });
      return;
    }
    if (text === '') return;
    tokens.push(isPromptText(text) ? { kind: 'prompt' } : { kind: 'line', text });
  }
}

/** Removes NUL and other C0 controls (Ctrl-Z and ESC echoes included) and DEL; tab becomes space. */
function stripControl(raw: Buffer): Buffer {
  const out = Buffer.allocUnsafe(raw.length);
  let n = 0;
  for (const b of raw) {
    if (b === TAB) out[n++] = 0x20;
    else if (b >= 0x20 && b !== 0x7f) out[n++] = b;
  }
  return out.subarray(0, n);
}

function decodeTail(data: Buffer): string | undefined {
  if (data.length === 0 || data.length > 256) return undefined;
  try {
    return utf8.decode(stripControl(data));
  } catch {
    return undefined;
  }
}

function isPromptText(text: string): boolean {
  return text === '>';
}

/**
 * Recognises the prompt at the end of the buffered bytes: `>` or `> ` at the start of a
 * line. Also accepts an echoed command run into the prompt without a line end
 * (`AT+CMGS=23> `): a line that starts with `AT` can only be our own echo.
 */
function splitPrompt(tail: string): { before: string } | undefined {
  const m = /^(.*?)\s*>\s*$/.exec(tail);
  if (!m) return undefined;
  const before = (m[1] ?? '').trim();
  if (before === '') return { before: '' };
  if (/^AT/i.test(before) && !before.includes('>')) return { before };
  return undefined;
}
