import { describe, expect, it } from 'vitest';
import { encodeSubmit } from '../../../src/modem/pdu/index.js';
import { submit } from './helpers.js';
import { VECTORS as V } from './vectors.js';

// Texts of the multi-part vectors: the parts' texts as python-gsmmodem's test_pdu.py states them, joined.
const LOREM = [
  'Lorem ipsum dolor sit amet, consectetur adipisicing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.Ut enim ad minim veniam, quin',
  'ostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.Duis aute irure dolor in reprehenderit in voluptate velit esse cillum doloe e',
  'u fugiat nulla pariatur.Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum',
];
const COUNT_PART1 =
  '12345-010 12345-020 12345-030 12345-040 12345-050 12345-060 12345-070 12345-080 12345-090 12345-100 12345-110 12345-120 12345-130 12345-140 12345-150 123';
const UCS2_LONG = 'Hello world!\n Hello world!\n Hello world!\n Hello world!\n-> Helló worłd! ';
const RUSSIAN = 'Да здравствует король, детка!';
const GREEK = 'Hi there...Tue 17th Jan 2012 05:30.18 pm (GMT+1) ΔΔΔΔΔ';

describe('SMS-SUBMIT vectors S01-S24: decode', () => {
  it('S01 GSM-7 Hello World!, no SMSC', () => {
    const d = submit(V.S01);
    expect(d).toMatchObject({ recipient: '+27820001111', recipientType: 'international', messageReference: 0, dcs: 0, encoding: 'gsm7', text: 'Hello World!', statusReportRequested: false, warnings: [] });
    expect(d.smsc).toBeUndefined();
    expect(d.validityMinutes).toBeUndefined();
  });

  it('S02 RD set, plain GSM-7', () => {
    expect(submit(V.S02)).toMatchObject({ recipient: '+27820001111', text: 'Flash SMS', dcs: 0, statusReportRequested: false });
  });

  it('S03 UCS-2 with SMSC and 52-week validity', () => {
    expect(submit(V.S03)).toMatchObject({ smsc: '+44000000000', recipient: '+123456789', text: '世界您好！', encoding: 'ucs2', validityMinutes: 52 * 7 * 24 * 60 });
  });

  it('S04 national SMSC and recipient, MR 13, VP 3 days, SRR', () => {
    expect(submit(V.S04)).toMatchObject({
      smsc: '12345',
      recipient: '0126541234',
      recipientType: 'national',
      messageReference: 13,
      validityMinutes: 3 * 24 * 60,
      statusReportRequested: true,
      text: 'Test message: local numbers',
    });
  });

  it('S05 absolute validity period', () => {
    const d = submit(V.S05);
    expect(d.text).toBe('Timestamp validity test');
    expect(d.validityAbsolute?.toISOString()).toBe(new Date('2013-07-10T13:39:00+02:00').toISOString());
    expect(d.validityMinutes).toBeUndefined();
  });

  it.each([
    ['S06', V.S06, 1, 0],
    ['S07', V.S07, 2, 1],
    ['S08', V.S08, 3, 2],
  ] as const)('%s concatenated part', (_id, hex, sequence, textIndex) => {
    expect(submit(hex)).toMatchObject({
      recipient: '+15125551234',
      text: LOREM[textIndex],
      concat: { reference: 0, referenceBits: 8, total: 3, sequence },
      statusReportRequested: false,
    });
  });

  it('S09 SMSC, MR 13, VP 3 days, SRR', () => {
    expect(submit(V.S09)).toMatchObject({ smsc: '+31624000000', recipient: '+31628870634', messageReference: 13, validityMinutes: 4320, statusReportRequested: true, text: 'www.diafaan.com' });
  });

  it('S10 UCS-2 Japanese', () => {
    expect(submit(V.S10)).toMatchObject({ smsc: '+34646456456', recipient: '+34616585119', text: 'あ叶葉', encoding: 'ucs2' });
  });

  it('S11 UDL too long is tolerated with a warning', () => {
    const d = submit(V.S11);
    expect(d).toMatchObject({ recipient: '+60164355246', text: 'はい', concat: { reference: 0, total: 3, sequence: 1 } });
    expect(d.smsc).toBeUndefined();
    expect(d.warnings.join()).toMatch(/UDL/);
  });

  it('S12 8-bit data', () => {
    const d = submit(V.S12);
    expect(d).toMatchObject({ smsc: '+2781191', recipient: '+27821234567', encoding: '8bit', text: '' });
    expect(Buffer.from(d.data ?? []).toString('latin1')).toBe('Hello world!');
  });

  it('S13 UCS-2 Latin, SRR, MR 141', () => {
    expect(submit(V.S13)).toMatchObject({ recipient: '+0123456789', text: 'Helló worłd!', messageReference: 141, encoding: 'ucs2', statusReportRequested: true });
  });

  it('S14 GSM-7 with £ and ò, MR 142', () => {
    expect(submit(V.S14)).toMatchObject({ text: 'Hellò wor£d!', messageReference: 142, encoding: 'gsm7' });
  });

  it('S15-S20 concatenated parts', () => {
    expect(submit(V.S15)).toMatchObject({ text: COUNT_PART1, messageReference: 143, concat: { reference: 0x8f, total: 2, sequence: 1 } });
    expect(submit(V.S16)).toMatchObject({ text: '45-160-Hellò wor£d!', concat: { reference: 0x8f, total: 2, sequence: 2 } });
    expect(submit(V.S17).text + submit(V.S18).text).toBe(UCS2_LONG);
    expect(submit(V.S17)).toMatchObject({ messageReference: 144, encoding: 'ucs2', concat: { reference: 0x90, total: 2, sequence: 1 } });
    expect(submit(V.S18)).toMatchObject({ text: 'łd! ', concat: { reference: 0x90, sequence: 2 } });
    expect(submit(V.S19)).toMatchObject({ text: COUNT_PART1, messageReference: 145, concat: { reference: 0x91, sequence: 1 } });
    expect(submit(V.S20)).toMatchObject({ text: '45-160-Hello word!', concat: { reference: 0x91, sequence: 2 } });
  });

  it('S21-S24 ModemManager vectors with 5-minute validity', () => {
    expect(submit(V.S21)).toMatchObject({ smsc: '+19037029920', recipient: '+15555551234', text: RUSSIAN, validityMinutes: 5 });
    expect(submit(V.S22)).toMatchObject({ recipient: '+15555551234', text: RUSSIAN, validityMinutes: 5 });
    expect(submit(V.S23)).toMatchObject({ smsc: '+19037029920', text: GREEK, encoding: 'gsm7' });
    expect(submit(V.S24)).toMatchObject({ text: GREEK, validityMinutes: 5 });
  });

  it('decodes every vector without warnings except the deliberately broken S11', () => {
    for (const id of ['S01', 'S02', 'S03', 'S04', 'S05', 'S09', 'S10', 'S12', 'S13', 'S14', 'S15', 'S16', 'S17', 'S18', 'S21', 'S23'] as const) {
      expect(submit(V[id]).warnings, id).toEqual([]);
    }
  });
});

describe('SMS-SUBMIT vectors: byte-for-byte re-encoding', () => {
  const one = (opts: Parameters<typeof encodeSubmit>[0]): string => {
    const pdus = encodeSubmit(opts);
    expect(pdus).toHaveLength(1);
    return pdus[0]?.hex ?? '';
  };

  it('S01, S02', () => {
    expect(one({ to: '+27820001111', text: 'Hello World!' })).toBe(V.S01);
    expect(one({ to: '+27820001111', text: 'Flash SMS', rejectDuplicates: true })).toBe(V.S02);
  });

  it('S03 with 52-week validity', () => {
    expect(one({ to: '+123456789', text: '世界您好！', smsc: '+44000000000', validityMinutes: 52 * 7 * 24 * 60 })).toBe(V.S03);
  });

  it('S09, S10', () => {
    expect(one({ to: '+31628870634', text: 'www.diafaan.com', smsc: '+31624000000', messageReference: 13, validityMinutes: 3 * 24 * 60, requestStatusReport: true })).toBe(V.S09);
    expect(one({ to: '+34616585119', text: 'あ叶葉', smsc: '+34646456456' })).toBe(V.S10);
  });

  it('S13, S14 with their AT+CMGS lengths 36 and 23', () => {
    const s13 = encodeSubmit({ to: '+0123456789', text: 'Helló worłd!', messageReference: 141, requestStatusReport: true });
    expect(s13).toEqual([{ hex: V.S13, tpduLength: 36, partNumber: 1, partCount: 1 }]);
    const s14 = encodeSubmit({ to: '+0123456789', text: 'Hellò wor£d!', messageReference: 142, requestStatusReport: true });
    expect(s14).toEqual([{ hex: V.S14, tpduLength: 23, partNumber: 1, partCount: 1 }]);
  });

  it('S06-S08: three GSM-7 parts with reference 0 and RD', () => {
    const pdus = encodeSubmit({ to: '+15125551234', text: LOREM.join(''), concatReference: 0, rejectDuplicates: true });
    expect(pdus.map((p) => p.hex)).toEqual([V.S06, V.S07, V.S08]);
    expect(pdus.map((p) => [p.partNumber, p.partCount])).toEqual([[1, 3], [2, 3], [3, 3]]);
  });

  it('S15/S16, S17/S18, S19/S20 with their AT+CMGS lengths', () => {
    const base = { to: '+0123456789', requestStatusReport: true };
    const a = encodeSubmit({ ...base, text: COUNT_PART1 + '45-160-Hellò wor£d!', messageReference: 143, concatReference: 0x8f });
    expect(a.map((p) => [p.hex, p.tpduLength])).toEqual([[V.S15, 152], [V.S16, 35]]);
    const b = encodeSubmit({ ...base, text: UCS2_LONG, messageReference: 144, concatReference: 0x90 });
    expect(b.map((p) => [p.hex, p.tpduLength])).toEqual([[V.S17, 152], [V.S18, 26]]);
    const c = encodeSubmit({ ...base, text: COUNT_PART1 + '45-160-Hello word!', messageReference: 145, concatReference: 0x91 });
    expect(c.map((p) => [p.hex, p.tpduLength])).toEqual([[V.S19, 152], [V.S20, 34]]);
  });

  it('S21-S24 with 5-minute validity, msgstart 8 / 1', () => {
    const r21 = encodeSubmit({ to: '+15555551234', text: RUSSIAN, smsc: '+19037029920', validityMinutes: 5 })[0];
    expect(r21?.hex).toBe(V.S21);
    expect(r21 && r21.hex.length / 2 - r21.tpduLength).toBe(8);
    const r22 = encodeSubmit({ to: '+15555551234', text: RUSSIAN, validityMinutes: 5 })[0];
    expect(r22?.hex).toBe(V.S22);
    expect(r22 && r22.hex.length / 2 - r22.tpduLength).toBe(1);
    expect(one({ to: '+15555551234', text: GREEK, smsc: '+19037029920', validityMinutes: 5 })).toBe(V.S23);
    expect(one({ to: '+15555551234', text: GREEK, validityMinutes: 5 })).toBe(V.S24);
  });
});
