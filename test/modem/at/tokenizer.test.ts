import { describe, expect, it } from 'vitest';
import { AtTokenizer, MAX_LINE_BYTES } from '../../../src/modem/at/tokenizer.js';
import type { AtToken } from '../../../src/modem/at/tokenizer.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function all(chunks: Array<string | Buffer>): AtToken[] {
  const t = new AtTokenizer();
  return chunks.flatMap((c) => t.push(c));
}

function bytes(data: string | Buffer): Buffer[] {
  const b = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  return [...b].map((x) => Buffer.from([x]));
}

const line = (text: string): AtToken => ({ kind: 'line', text });
const prompt: AtToken = { kind: 'prompt' };

describe('AtTokenizer lines', () => {
  it.each([
    ['CR LF', '\r\n+CSQ: 18,99\r\n\r\nOK\r\n'],
    ['CR CR LF (Huawei)', '\r\r\n+CSQ: 18,99\r\r\n\r\r\nOK\r\r\n'],
    ['bare CR', '\r+CSQ: 18,99\r\rOK\r'],
    ['bare LF', '\n+CSQ: 18,99\n\nOK\n'],
    ['mixed, extra blank lines', '\r\n\r\n+CSQ: 18,99\n\r\r\n\r\nOK\r\n\r\n\r\n'],
  ])('%s', (_name, input) => {
    expect(all([input])).toEqual([line('+CSQ: 18,99'), line('OK')]);
    expect(all(bytes(input))).toEqual([line('+CSQ: 18,99'), line('OK')]);
  });

  it('Huawei E303 raw capture: echo ending in CR, info line, blank line, OK (gammu #327)', () => {
    const raw = Buffer.concat([Buffer.from('AT+CPMS="ME","ME"'), hex('0D 0D 0A'), Buffer.from('+CPMS: 0,20,0,20,0,20'), hex('0D 0A 0D 0A'), Buffer.from('OK'), hex('0D 0A')]);
    expect(all([raw])).toEqual([line('AT+CPMS="ME","ME"'), line('+CPMS: 0,20,0,20,0,20'), line('OK')]);
  });

  it('Quectel EC25 raw capture (gammu #468)', () => {
    expect(all([hex('41 54 2B 43 4D 47 46 3D 30 0D 0D 0A 4F 4B 0D 0A')])).toEqual([line('AT+CMGF=0'), line('OK')]);
  });

  it('keeps a line split across chunks, including a CR | LF split', () => {
    expect(all(['\r\n+CM', 'TI: "SM"', ',3\r', '\nO', 'K\r', '\n'])).toEqual([line('+CMTI: "SM",3'), line('OK')]);
  });

  it('emits nothing for an unterminated line until its end arrives', () => {
    const t = new AtTokenizer();
    expect(t.push('+CSQ: 1')).toEqual([]);
    expect(t.push('8,99')).toEqual([]);
    expect(t.push('\r\n')).toEqual([line('+CSQ: 18,99')]);
  });

  it('trims leading and trailing spaces (Wavecom " WAVECOM MODEM")', () => {
    expect(all(['\r\n WAVECOM MODEM\r\n', '  MULTIBAND  900E  1800 \r\n'])).toEqual([line('WAVECOM MODEM'), line('MULTIBAND  900E  1800')]);
  });

  it('strips NUL and control bytes inside and around lines', () => {
    expect(all([Buffer.from('\x00\x00OK\x00\r\n\x07+CSQ:\t4,0\r\n', 'latin1')])).toEqual([line('OK'), line('+CSQ: 4,0')]);
  });

  it('decodes UTF-8 split across chunks', () => {
    const b = Buffer.from('Grüße\r\n', 'utf8');
    expect(all([b.subarray(0, 3), b.subarray(3)])).toEqual([line('Grüße')]);
  });

  it('reports binary noise and lines of pure control bytes as noise, never throwing', () => {
    const tokens = all([hex('FF FE 80 C3 0D 0A'), hex('00 1B 1A 0D 0A'), 'OK\r\n']);
    expect(tokens.map((t) => t.kind)).toEqual(['noise', 'noise', 'line']);
  });

  it('cuts an overlong run without a line end as noise', () => {
    const t = new AtTokenizer();
    const tokens = t.push(Buffer.alloc(MAX_LINE_BYTES + 1, 0x41));
    expect(tokens.map((x) => x.kind)).toEqual(['noise']);
    expect(t.push('\r\nOK\r\n')).toEqual([line('OK')]);
  });

  it('reset() forgets a partial line', () => {
    const t = new AtTokenizer();
    t.push('garb');
    t.reset();
    expect(t.push('OK\r\n')).toEqual([line('OK')]);
  });
});

describe('AtTokenizer prompt', () => {
  it('recognises "\\r\\n> " with nothing after it (Wavecom capture, gammu #832)', () => {
    const raw = Buffer.concat([Buffer.from('AT+CMGS="+49151XXXXXXXX"'), hex('22 0D 0D 0A 3E 20').subarray(1)]);
    expect(all([raw])).toEqual([line('AT+CMGS="+49151XXXXXXXX"'), prompt]);
  });

  it('recognises a bare ">" followed by CR LF (SIM7670G raw dump, gammu PR #1177)', () => {
    const raw = hex('41 54 2b 43 4d 47 53 3d 32 36 0d 0d 0a 3e 0d 0a 0d');
    expect(all([raw])).toEqual([line('AT+CMGS=26'), prompt]);
  });

  it('recognises "> " followed by CR LF once, not twice', () => {
    expect(all(['\r\n> \r\n'])).toEqual([prompt]);
    expect(all(['\r\n> ', '\r\n'])).toEqual([prompt]);
  });

  it('recognises the prompt delivered byte by byte, exactly once', () => {
    expect(all(bytes('AT+CMGS=23\r\r\n> '))).toEqual([line('AT+CMGS=23'), prompt]);
    expect(all(bytes('\r\n>\r\n'))).toEqual([prompt]);
  });

  it('recognises the prompt after URCs in the same chunk', () => {
    expect(all(['\r\n+CMTI: "SM",3\r\n\r\n+ZPASR: "UMTS"\r\n\r\n> '])).toEqual([line('+CMTI: "SM",3'), line('+ZPASR: "UMTS"'), prompt]);
  });

  it('splits an echoed command run into the prompt without a line end', () => {
    expect(all(['AT+CMGS=23> '])).toEqual([line('AT+CMGS=23'), prompt]);
  });

  it('does not take ">" inside a line for a prompt', () => {
    const t = new AtTokenizer();
    expect(t.push('a > ')).toEqual([]);
    expect(t.push('b\r\n')).toEqual([line('a > b')]);
  });

  it('keeps a prompt line carrying the echoed PDU as a line (gammu #89)', () => {
    expect(all(['> 0791246030500200\x1a\r\n'])).toEqual([line('> 0791246030500200')]);
  });
});
