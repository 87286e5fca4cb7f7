import { describe, expect, it } from 'vitest';
import { ConcatAssembler, encodeDeliver, encodeSubmit, type DecodedDeliver } from '../../../src/modem/pdu/index.js';
import { codeOf, deliver, submit } from './helpers.js';

const TEXTS = [
  '',
  'Hello',
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCXYZÄÖÑÜ§¿abcxyzäöñüà',
  '€[]{}^~\\|\f',
  'x'.repeat(160),
  'x'.repeat(161),
  'x'.repeat(152) + '€' + 'y'.repeat(300),
  'Grüße aus Köln — “quotes”',
  'a'.repeat(66) + '😁' + 'b'.repeat(100),
  '👍🏽👨‍👩‍👧 family',
  'Съешь же ещё этих мягких французских булок, да выпей чаю. '.repeat(5),
  'x'.repeat(7) + '@',
  'z'.repeat(1500),
];

describe('encodeSubmit -> decodePdu round trip', () => {
  it.each(TEXTS.map((t, i) => [i, t] as const))('text #%i', (_i, text) => {
    const pdus = encodeSubmit({ to: '+4412345678', text, concatReference: 42, requestStatusReport: true, validityMinutes: 60, messageReference: 7 });
    const decoded = pdus.map((p) => {
      expect(p.hex).toBe(p.hex.toUpperCase());
      expect(p.hex.length / 2 - p.tpduLength).toBe(1);
      return submit(p.hex);
    });
    expect(decoded.map((d) => d.text).join('')).toBe(text);
    for (const [i, d] of decoded.entries()) {
      expect(d).toMatchObject({ recipient: '+4412345678', recipientType: 'international', statusReportRequested: true, validityMinutes: 60, messageReference: 7, warnings: [] });
      if (pdus.length > 1) expect(d.concat).toEqual({ reference: 42, referenceBits: 8, total: pdus.length, sequence: i + 1 });
      else expect(d.concat).toBeUndefined();
    }
  });

  it('addresses: national (TOA 81) and alphanumeric (TOA D0)', () => {
    const national = encodeSubmit({ to: '0404123456', text: 'hi' })[0]?.hex ?? '';
    expect(national.slice(2, 10)).toBe('01000A81');
    expect(submit(national)).toMatchObject({ recipient: '0404123456', recipientType: 'unknown' });
    const alpha = encodeSubmit({ to: 'Katar', text: 'hi' })[0]?.hex ?? '';
    expect(alpha.slice(6, 10)).toBe('09D0');
    expect(submit(alpha)).toMatchObject({ recipient: 'Katar', recipientType: 'alphanumeric' });
  });

  it('derives a stable concatenation reference when none is given', () => {
    const a = encodeSubmit({ to: '+1555', text: 'q'.repeat(200) });
    const b = encodeSubmit({ to: '+1555', text: 'q'.repeat(200) });
    expect(a).toEqual(b);
    const ref = submit(a[0]?.hex ?? '').concat?.reference ?? -1;
    expect(ref).toBeGreaterThanOrEqual(0);
    expect(ref).toBeLessThanOrEqual(255);
  });

  it('rejects bad options with typed errors', () => {
    expect(codeOf(() => encodeSubmit({ to: '', text: 'x' }))).toBe('PDU_INVALID');
    expect(codeOf(() => encodeSubmit({ to: 'TwelveLetter', text: 'x' }))).toBe('PDU_INVALID');
    expect(codeOf(() => encodeSubmit({ to: 'Kätär☃', text: 'x' }))).toBe('PDU_INVALID');
    expect(codeOf(() => encodeSubmit({ to: '+1'.padEnd(23, '5'), text: 'x' }))).toBe('PDU_INVALID');
    expect(codeOf(() => encodeSubmit({ to: '+1555', text: 'x', messageReference: 256 }))).toBe('PDU_INVALID');
    expect(codeOf(() => encodeSubmit({ to: '+1555', text: 'x'.repeat(200), concatReference: -1 }))).toBe('PDU_INVALID');
    expect(codeOf(() => encodeSubmit({ to: '+1555', text: 'x', validityMinutes: 0 }))).toBe('PDU_INVALID');
    expect(codeOf(() => encodeSubmit({ to: '+1555', text: 'x', smsc: 'Operator' }))).toBe('PDU_INVALID');
    expect(codeOf(() => encodeSubmit({ to: '+1555', text: 'x'.repeat(153 * 255 + 1) }))).toBe('MESSAGE_TOO_LONG');
    expect(encodeSubmit({ to: '+1555', text: 'x'.repeat(153 * 255) })).toHaveLength(255);
  });
});

describe('encodeDeliver -> decodePdu -> ConcatAssembler round trip', () => {
  it.each(TEXTS.map((t, i) => [i, t] as const))('text #%i (8- and 16-bit references)', (_i, text) => {
    for (const concat16bit of [false, true]) {
      const pdus = encodeDeliver({ from: 'Katar', text, timestamp: new Date('2024-02-29T23:59:59Z'), tzOffsetMinutes: -210, smsc: '+358401234567', concatReference: 200, concat16bit });
      const assembler = new ConcatAssembler();
      let message: string | undefined;
      for (const hex of [...pdus].reverse()) {
        const d = deliver(hex);
        expect(d).toMatchObject({ sender: 'Katar', senderType: 'alphanumeric', smsc: '+358401234567', tzOffsetMinutes: -210, warnings: [] });
        expect(d.timestamp.toISOString()).toBe('2024-02-29T23:59:59.000Z');
        if (pdus.length > 1) expect(d.concat?.referenceBits).toBe(concat16bit ? 16 : 8);
        const r = assembler.add(d);
        if (r.status === 'complete') message = r.message.text;
      }
      expect(message).toBe(text);
      expect(assembler.size).toBe(0);
    }
  });

  it('rejects a 16-bit reference out of range and an unencodable time zone', () => {
    const base = { from: '+1', text: 'x'.repeat(200), timestamp: new Date('2024-01-01T00:00:00Z') };
    expect(codeOf(() => encodeDeliver({ ...base, concat16bit: true, concatReference: 70000 }))).toBe('PDU_INVALID');
    expect(codeOf(() => encodeDeliver({ ...base, tzOffsetMinutes: 24 * 60 }))).toBe('PDU_INVALID');
    expect(codeOf(() => encodeDeliver({ ...base, timestamp: new Date(Number.NaN) }))).toBe('PDU_INVALID');
  });

  it('keeps a surrogate pair a sender split across parts intact after joining', () => {
    // Part 1 ends with a high surrogate, part 2 starts with the low one (a broken sender).
    // No SMSC, first octet 44 (UDHI), OA +11111111111, PID 00, DCS 08, SCTS, UDL, UDH ref 0x77 2 parts.
    const mk = (seq: number, ud: string): DecodedDeliver =>
      deliver(`00440B911111111111F1000842102910000000${(6 + ud.length / 2).toString(16).padStart(2, '0')}050003770${'2'}0${seq}${ud}`);
    const a = mk(1, '0061D83D');
    const b = mk(2, 'DE010062');
    expect(a.warnings.join()).toMatch(/surrogate/);
    const asm = new ConcatAssembler();
    asm.add(a);
    const r = asm.add(b);
    expect(r.status === 'complete' && r.message.text).toBe('a😁b');
  });
});
