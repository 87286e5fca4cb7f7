import { describe, expect, it } from 'vitest';
import { countParts, encodeSubmit, gsm7Length, segmentText } from '../../../src/modem/pdu/index.js';

const x = (n: number): string => 'x'.repeat(n);

describe('segmentText / countParts', () => {
  it('empty text is one empty GSM-7 part', () => {
    expect(segmentText('')).toEqual({ encoding: 'gsm7', parts: [''] });
    expect(countParts('')).toBe(1);
  });

  it('exactly 160 GSM characters fit one part; 161 need two of 153 + 8', () => {
    expect(segmentText(x(160)).parts).toEqual([x(160)]);
    expect(segmentText(x(161)).parts).toEqual([x(153), x(8)]);
  });

  // python-messaging TestSubmitPduCounts (messaging/test/test_sms.py).
  it.each([
    [x(160), 1],
    [x(161), 2],
    [x(306), 2],
    [x(307), 3],
    [x(459), 3],
    [x(460), 4],
    ['€'.repeat(80), 1],
    ['€'.repeat(79) + 'x', 1],
    ['€'.repeat(153), 3],
    ['€'.repeat(229) + 'x', 4],
    ['ő'.repeat(70), 1],
    ['ő'.repeat(70) + 'x', 2],
    ['ő'.repeat(134), 2],
    ['ő'.repeat(134) + 'x', 3],
    ['ő'.repeat(201), 3],
    ['ő'.repeat(201) + 'x', 4],
  ])('python-messaging count #%#', (text, parts) => {
    expect(countParts(text)).toBe(parts);
  });

  it('€ and the other extension characters count two septets', () => {
    expect(gsm7Length('€[]{}^~\\|\f')).toBe(20);
    expect(gsm7Length('a€')).toBe(3);
    expect(countParts('€'.repeat(80))).toBe(1);
    expect(countParts('€'.repeat(80) + 'x')).toBe(2);
    expect(segmentText('€'.repeat(81)).parts.map((p) => p.length)).toEqual([76, 5]);
  });

  it('an escape pair at the 152/153 boundary moves whole to the next part', () => {
    const text = x(152) + '€' + x(20);
    const { encoding, parts } = segmentText(text);
    expect(encoding).toBe('gsm7');
    expect(parts).toEqual([x(152), '€' + x(20)]);
    // 152 septets + a 2-septet pair would need 154 > 153, so the pair opens part 2;
    // with 151 before it, the pair fills septets 152-153 and stays in part 1.
    expect(segmentText(x(151) + '€' + x(20)).parts).toEqual([x(151) + '€', x(20)]);
  });

  it('any non-GSM character switches the whole text to UCS-2 (70 single / 67 per part)', () => {
    expect(segmentText('ç').encoding).toBe('ucs2');
    expect(segmentText('a'.repeat(69) + 'ç').parts).toHaveLength(1);
    expect(segmentText('a'.repeat(70) + 'ç').parts.map((p) => p.length)).toEqual([67, 4]);
  });

  it('an emoji at the UCS-2 part boundary is never split', () => {
    const text = 'a'.repeat(66) + '😁' + 'b'.repeat(10);
    const { encoding, parts } = segmentText(text);
    expect(encoding).toBe('ucs2');
    expect(parts).toEqual(['a'.repeat(66), '😁' + 'b'.repeat(10)]);
    expect(parts.join('')).toBe(text);
    // A pair that ends exactly at unit 67 stays in the first part.
    expect(segmentText('a'.repeat(65) + '😁' + 'b'.repeat(10)).parts[0]).toBe('a'.repeat(65) + '😁');
  });

  it('70 UTF-16 units of emoji (35 emoji) fit one part', () => {
    expect(countParts('😁'.repeat(35))).toBe(1);
    expect(countParts('😁'.repeat(36))).toBe(2);
  });

  it('encoded part sizes stay within 140 octets at every boundary', () => {
    for (const text of [x(160), x(161), x(152) + '€' + x(200), 'a'.repeat(66) + '😁'.repeat(100), '€'.repeat(500)]) {
      for (const pdu of encodeSubmit({ to: '+15551234567', text, concatReference: 1 })) {
        // TPDU = 1 fo + 1 MR + 8 DA + PID + DCS + UDL + UD <= 153 octets.
        expect(pdu.tpduLength).toBeLessThanOrEqual(13 + 140);
      }
    }
  });
});
