import { describe, expect, it } from 'vitest';
import { decodeUssdText, encodeUssdRequest, packGsm7Hex, parseCusd, ussdAlphabet, ussdStatusText, unpackGsm7Hex } from '../../src/modem/ussd-codec.js';

describe('+CUSD replies', () => {
  it('splits status, string and DCS in the forms modems print', () => {
    expect(parseCusd('0,"Balance: 12.34 EUR",15')).toEqual({ status: 0, raw: 'Balance: 12.34 EUR', dcs: 15 });
    expect(parseCusd('1, "1 Balance\n2 Data" , 15')).toEqual({ status: 1, raw: '1 Balance\n2 Data', dcs: 15 });
    expect(parseCusd('2')).toEqual({ status: 2 });
    expect(parseCusd('4,""')).toEqual({ status: 4, raw: '' });
    expect(parseCusd('0,"04110430043B",72')).toEqual({ status: 0, raw: '04110430043B', dcs: 72 });
    expect(parseCusd('')).toBeUndefined();
    expect(parseCusd('x,"y"')).toBeUndefined();
  });

  it('says each status in words', () => {
    expect([0, 1, 2, 3, 4, 5].map(ussdStatusText)).toEqual([
      'no further action required',
      'further user action required (menu)',
      'terminated by network',
      'other local client has responded',
      'operation not supported',
      'network time out',
    ]);
    expect(ussdStatusText(9)).toBe('unknown status 9');
  });
});

describe('USSD data coding schemes (TS 23.038 §5)', () => {
  it('names the alphabet of each coding group', () => {
    expect(ussdAlphabet(15).alphabet).toBe('gsm7');
    expect(ussdAlphabet(0x00).alphabet).toBe('gsm7');
    expect(ussdAlphabet(0x20).alphabet).toBe('gsm7');
    expect(ussdAlphabet(0x48).alphabet).toBe('ucs2');
    expect(ussdAlphabet(0x44).alphabet).toBe('8bit');
    expect(ussdAlphabet(0x40).alphabet).toBe('gsm7');
    expect(ussdAlphabet(0x98).alphabet).toBe('ucs2');
    expect(ussdAlphabet(0xf4).alphabet).toBe('8bit');
    expect(ussdAlphabet(0xf0).alphabet).toBe('gsm7');
    expect(ussdAlphabet(0x11)).toEqual({ alphabet: 'ucs2', languagePrefix: 2 });
    expect(ussdAlphabet(0x10)).toEqual({ alphabet: 'gsm7', languagePrefix: 3 });
    expect(ussdAlphabet(undefined).alphabet).toBe('gsm7');
  });

  it('decodes UCS-2 hex (DCS 72 and 8), with surrogate pairs', () => {
    expect(decodeUssdText('04110430043B0430043D0441003A002000310032002C00330034002020BD', 72)).toBe('Баланс: 12,34 ₽');
    expect(decodeUssdText('00480069D83DDE01', 8)).toBe('Hi😁');
    // DCS 8 with plain characters: GSM 7-bit after all.
    expect(decodeUssdText('Balance 5', 8)).toBe('Balance 5');
    // UCS-2 with a language indication: the first code unit is not text.
    expect(decodeUssdText('656E00480069', 0x11)).toBe('Hi');
  });

  it('decodes GSM 7-bit as plain text or as packed hex, whichever the modem printed', () => {
    expect(decodeUssdText('Balance: 12.34 EUR', 15)).toBe('Balance: 12.34 EUR');
    const packed = packGsm7Hex('Balance: 12.34 EUR')!;
    expect(packed).toMatch(/^[0-9A-F]+$/);
    expect(decodeUssdText(packed, 15)).toBe('Balance: 12.34 EUR');
    expect(decodeUssdText(packed, 15, 'packed-hex')).toBe('Balance: 12.34 EUR');
    // Short digit strings stay what they are unless the modem is known to pack.
    expect(decodeUssdText('1234', 15)).toBe('1234');
    expect(decodeUssdText('20241231', 15)).toBe('20241231');
    expect(decodeUssdText('31D98C56B3DD70', 15, 'packed-hex')).toBe('12345678');
    expect(decodeUssdText('31D98C56B3DD70', 15, 'text')).toBe('31D98C56B3DD70');
    // GSM 7-bit with a language indication: "en" and CR come first.
    expect(decodeUssdText('en\rHello', 0x10)).toBe('Hello');
  });

  it('drops the CR that pads the last octet of packed USSD (TS 23.038 §6.1.2.3.1)', () => {
    const seven = packGsm7Hex('1234567')!;
    expect(seven.length).toBe(14);
    expect(unpackGsm7Hex(seven)).toBe('1234567');
    expect(unpackGsm7Hex(packGsm7Hex('*100#')!)).toBe('*100#');
    // The Huawei form of *100#: AA180C3602 (gammu F_ENCODED_USSD users).
    expect(encodeUssdRequest('*100#', 'packed-hex')).toBe('AA180C3602');
    expect(encodeUssdRequest('*100#', 'auto')).toBe('*100#');
  });
});
