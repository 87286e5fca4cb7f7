import { describe, expect, it } from 'vitest';
import { decodeSemiOctets, encodeAddress, encodeSemiOctets, encodeSmsc, readAddress, readSmsc } from '../../../src/modem/pdu/address.js';
import { gsm7ToText, textToGsm7 } from '../../../src/modem/pdu/gsm7-alphabet.js';
import { packSeptets, unpackSeptets } from '../../../src/modem/pdu/gsm7-pack.js';
import { OctetReader } from '../../../src/modem/pdu/octets.js';
import { encodeTimestamp, readTimestamp } from '../../../src/modem/pdu/timestamp.js';
import { decodeUcs2, encodeUcs2 } from '../../../src/modem/pdu/ucs2.js';
import { parseUdh } from '../../../src/modem/pdu/udh.js';
import { encodeRelativeValidity, validityMinutesOf } from '../../../src/modem/pdu/validity.js';
import { bytes, codeOf, hexOf } from './helpers.js';

// All expectations in this file are published field-level vectors; docs/hardware.md#field-level-vectors
// names the source of each group.

describe('TP address fields', () => {
  it.each([
    ['+9876543210', 7, '0A918967452301', '0A918967452301000000'],
    ['+987654321', 7, '099189674523F1', '099189674523F1000000'],
    ['+27829135934', 8, '0B917228195339F4', '0B917228195339F4'],
    ['abc', 5, '06D061F118', '06D061F118D3F1FF0032'],
    ['FRANCOIS', 9, '0ED04669D0397C26A7', '0ED04669D0397C26A7'],
    ['a[]{}€', 12, '14D0E10D6FE3DBA036A94D19', '14D0E10D6FE3DBA036A94D19'],
  ])('%s <-> %s', (value, octets, hex, input) => {
    expect(hexOf(encodeAddress(value))).toBe(hex);
    const reader = new OctetReader(bytes(input));
    expect(readAddress(reader, 'addr').value).toBe(value);
    expect(reader.position).toBe(octets);
  });

  it('decodes a national (TOA A1) number', () => {
    const reader = new OctetReader(bytes('0AA11092997856'));
    expect(readAddress(reader, 'addr')).toEqual({ value: '0129998765', type: 'national', toa: 0xa1 });
    expect(reader.position).toBe(7);
  });
});

describe('SMSC fields (length counts octets)', () => {
  it.each([
    ['+9876543210', '06918967452301', '06918967452301000000'],
    ['+987654321', '069189674523F1', '069189674523F1000000'],
    ['+2782913593', '06917228195339', '06917228195339'],
  ])('%s <-> %s', (value, hex, input) => {
    expect(hexOf(encodeSmsc(value))).toBe(hex);
    const reader = new OctetReader(bytes(input));
    expect(readSmsc(reader)?.value).toBe(value);
    expect(reader.position).toBe(7);
  });

  it('omitted SMSC is the single octet 00', () => {
    expect(hexOf(encodeSmsc(undefined))).toBe('00');
    expect(readSmsc(new OctetReader(bytes('00')))).toBeUndefined();
  });
});

describe('ModemManager address encoder', () => {
  it('encodes as SMSC and as TP address', () => {
    expect(hexOf(encodeSmsc('+19037029920'))).toBe('07919130079229F0');
    expect(hexOf(encodeSmsc('9037029920'))).toBe('06810973209902');
    expect(hexOf(encodeAddress('+19037029920'))).toBe('0B919130079229F0');
    expect(hexOf(encodeAddress('9037029920'))).toBe('0A810973209902');
  });
});

describe('alphanumeric and numeric address decoding', () => {
  it.each([
    ['0B915155214365F7', '+15551234567', 'international'],
    ['0BD0CDE6DB5DCE03', 'MMoney', 'alphanumeric'],
    ['14D0C4F23C7D760390EF7619', 'Design@Home', 'alphanumeric'],
  ])('%s -> %s', (hex, value, type) => {
    expect(readAddress(new OctetReader(bytes(hex)), 'addr')).toMatchObject({ value, type });
  });

  it('SMSC 07912299976758F2', () => {
    expect(readSmsc(new OctetReader(bytes('07912299976758F2')))?.value).toBe('+22997976852');
  });
});

describe('GSM 7-bit codes and packing', () => {
  it.each([
    ['', '', ''],
    ['123', '313233', '31D90C'],
    ['12345678', '3132333435363738', '31D98C56B3DD70'],
    ['123456789', '313233343536373839', '31D98C56B3DD7039'],
    ['123456789012345678901234567890', '313233343536373839303132333435363738393031323334353637383930', '31D98C56B3DD7039584C36A3D56C375C0E1693CD6835DB0D978301'],
    ['Hello World!', '48656C6C6F20576F726C6421', 'C8329BFD065DDF72363904'],
    ['[{abc}]~', '1B3C1B286162631B291B3E1B3D', '1BDE0615168F37A98D6FD303'],
    ['{åΦΓΛΩΠΨΣΘ€}', '1B280F12131415161718191B651B29', '1BD44332A1542C174C6653DEA400'],
    ['a[]{}€', '611B3C1B3E1B281B291B65', 'E10D6FE3DBA036A94D19'],
    ['hello', undefined, 'E8329BFD06'],
    ['[10€]', undefined, '1B5E0CB6296F7C'],
    ['How are you?', undefined, 'C8F71D14969741F977FD07'],
  ])('%j', (text, codesHex, packedHex) => {
    const codes = textToGsm7(text) ?? [];
    if (codesHex !== undefined) expect(hexOf(Uint8Array.from(codes))).toBe(codesHex);
    expect(hexOf(packSeptets(codes))).toBe(packedHex);
    const warnings: string[] = [];
    expect(gsm7ToText(unpackSeptets(bytes(packedHex), codes.length), warnings)).toBe(text);
    expect(warnings).toEqual([]);
  });

  it('rejects characters outside the alphabet', () => {
    expect(textToGsm7('日本')).toBeUndefined();
    expect(textToGsm7('ç')).toBeUndefined();
  });

  it('unknown escape shows the default-table character; a trailing escape a space (TS 23.038 §6.2.1.1)', () => {
    const w: string[] = [];
    expect(gsm7ToText([0x1b, 0x41, 0x42, 0x1b], w)).toBe('AB ');
    expect(w).toHaveLength(2);
  });
});

describe('UCS-2 incl. surrogate pairs', () => {
  it.each([
    ['あ叶葉', '304253F68449'],
    ['はい', '306F3044'],
    ['Lorem Ipsum', '004C006F00720065006D00200049007000730075006D'],
    ['hello 😁', '00680065006C006C006F0020D83DDE01'],
    ['😁😁😁', 'D83DDE01D83DDE01D83DDE01'],
  ])('%s <-> %s', (text, hex) => {
    expect(hexOf(encodeUcs2(text))).toBe(hex);
    const w: string[] = [];
    expect(decodeUcs2(bytes(hex), w)).toBe(text);
    expect(w).toEqual([]);
  });

  it('a dangling high surrogate is kept and reported, never thrown', () => {
    const w: string[] = [];
    expect(decodeUcs2(bytes('D83DDE01D83D'), w)).toBe('😁\ud83d');
    expect(w.join()).toMatch(/surrogate/);
  });
});

describe('User Data Header elements', () => {
  it.each([
    ['0003170301', { reference: 23, referenceBits: 8, sequence: 1, total: 3 }, undefined],
    ['080401800402', { reference: 384, referenceBits: 16, sequence: 2, total: 4 }, undefined],
    ['04026432', undefined, { destination: 100, source: 50, bits: 8 }],
    ['050404D21466', undefined, { destination: 1234, source: 5222, bits: 16 }],
    ['08049f8e020105040b8423f0', { reference: 40846, referenceBits: 16, sequence: 1, total: 2 }, { destination: 2948, source: 9200, bits: 16 }],
    ['0003190201', { reference: 25, referenceBits: 8, sequence: 1, total: 2 }, undefined],
  ])('%s', (hex, concat, ports) => {
    const w: string[] = [];
    const udh = parseUdh(bytes(hex), w);
    expect(udh.concat).toEqual(concat);
    expect(udh.ports).toEqual(ports);
    expect(w).toEqual([]);
  });

  it('ignores an inconsistent concatenation element (sequence 0) with a warning', () => {
    const w: string[] = [];
    expect(parseUdh(bytes('0003170300'), w).concat).toBeUndefined();
    expect(w).toHaveLength(1);
  });
});

describe('timestamps', () => {
  it.each([
    ['51117200000000', '2015-11-27T00:00:00+00:00', 0],
    ['51117200000080', '2015-11-27T00:00:00+02:00', 120],
    ['70402132522423', '2007-04-12T23:25:42+08:00', 480],
    ['7040213252242B', '2007-04-12T23:25:42-08:00', -480],
    ['99202150750321', '1999-02-12T05:57:30+03:00', 180],
    ['99202150750300', '1999-02-12T05:57:30Z', 0],
    ['99202150750329', '1999-02-12T05:57:30-03:00', -180],
  ])('%s <-> %s', (hex, iso, tz) => {
    const w: string[] = [];
    const ts = readTimestamp(new OctetReader(bytes(hex)), 'ts', w);
    expect(ts.date.toISOString()).toBe(new Date(iso).toISOString());
    expect(ts.tzOffsetMinutes).toBe(tz);
    expect(w).toEqual([]);
    expect(hexOf(encodeTimestamp(ts.date, tz))).toBe(hex);
  });

  // python-gsmmodem writes the TZ in reading order ("08", "B2"); on the wire the nibbles are swapped.
  it('TZ 08 and B2 (reading order) are +2 h and -8 h', () => {
    expect(readTimestamp(new OctetReader(bytes('51117200000080')), 'ts', []).tzOffsetMinutes).toBe(120);
    expect(readTimestamp(new OctetReader(bytes('5111720000002B')), 'ts', []).tzOffsetMinutes).toBe(-480);
  });
});

describe('relative validity period', () => {
  it.each([
    [30, 5],
    [16 * 60, 151],
    [3 * 24 * 60, 169],
    [5 * 7 * 24 * 60, 197],
    [5, 0],
    [10, 1],
    [12 * 60, 143],
    [13 * 60, 145],
    [24 * 60, 167],
    [2 * 24 * 60, 168],
    [30 * 24 * 60, 196],
  ])('%i minutes <-> %i', (minutes, vp) => {
    expect(encodeRelativeValidity(minutes)).toBe(vp);
    expect(validityMinutesOf(vp)).toBe(minutes);
  });

  it('rounds up to the next representable value (TS 23.040 §9.2.3.12.1)', () => {
    expect(encodeRelativeValidity(4)).toBe(0);
    expect(encodeRelativeValidity(6)).toBe(1);
    expect(encodeRelativeValidity(12 * 60 + 1)).toBe(144);
    expect(encodeRelativeValidity(25 * 60)).toBe(168);
    expect(encodeRelativeValidity(31 * 24 * 60)).toBe(197);
    expect(encodeRelativeValidity(63 * 7 * 24 * 60)).toBe(255);
  });

  it('rejects zero, negative and more than 63 weeks', () => {
    expect(codeOf(() => encodeRelativeValidity(0))).toBe('PDU_INVALID');
    expect(codeOf(() => encodeRelativeValidity(-5))).toBe('PDU_INVALID');
    expect(codeOf(() => encodeRelativeValidity(64 * 7 * 24 * 60))).toBe('PDU_INVALID');
    expect(codeOf(() => encodeRelativeValidity(Number.NaN))).toBe('PDU_INVALID');
  });
});

describe('semi-octets', () => {
  it.each([
    ['15125551234', '51215515 32F4'],
    ['123', '21F3'],
    ['1234', '2143'],
  ])('%s <-> %s', (digits, hex) => {
    expect(hexOf(encodeSemiOctets(digits))).toBe(hex.replace(' ', ''));
    expect(decodeSemiOctets(bytes(hex))).toBe(digits);
  });

  it('decodes 1032547698 as 0123456789', () => {
    expect(decodeSemiOctets(bytes('1032547698'))).toBe('0123456789');
  });
});
