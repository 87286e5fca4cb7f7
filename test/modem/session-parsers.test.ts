import { describe, expect, it } from 'vitest';
import { parseAti, parseIdentAnswer, parseImei } from '../../src/modem/identity.js';
import { parseCops, parseCsq, parseSolicitedRegistration, registrationFromStat } from '../../src/modem/network-status.js';
import { interpretUrc } from '../../src/modem/session/urcs.js';
import { parseCpinLine } from '../../src/modem/sim-status.js';
import { chooseStorage, cnmiCandidates, parseCnmiTest, parseCpmsTest } from '../../src/modem/sms-settings.js';
import type { Urc } from '../../src/modem/at/urc.js';

const PREF = ['ME', 'MT', 'SM'];
const urc = (name: string, args: string, pdu?: string): Urc => ({ name, args, line: `${name}: ${args}`, boot: false, ...(pdu ? { pdu } : {}) });

describe('storage choice from real AT+CPMS=? answers (docs/hardware.md#message-storage)', () => {
  it.each([
    ['+CPMS: ("ME","MT","SM","SR"),("ME","MT","SM","SR"),("ME","MT","SM","SR")', ['ME', 'ME', 'ME']],
    ['+CPMS: ("SM","ME"),("SM","ME"),("SM","ME")', ['ME', 'ME', 'ME']],
    ['+CPMS: (("SM","BM","SR"),("SM"))', ['SM', 'SM']],
    ['+CPMS: "SM","SM","SM"', ['SM', 'SM', 'SM']],
    ['+CPMS: "ME","MT","SM"', ['ME', 'ME', 'ME']],
    ['+CPMS: ("ME","SM","MT"),("ME","SM","MT"),("SM","MT")', ['MT', 'MT', 'MT']],
    ['+CPMS: (ME", "SR"), ("ME", "SR"), ("ME")', ['ME', 'ME', 'ME']],
  ])('%s -> %j', (answer, params) => {
    expect(chooseStorage(parseCpmsTest(answer), PREF)?.params).toEqual(params);
  });

  it('Nokia (),(),() and an empty answer: no storage', () => {
    expect(chooseStorage(parseCpmsTest('+CPMS: (),(),()'), PREF)).toBeUndefined();
    expect(chooseStorage(parseCpmsTest('+CPMS: '), PREF)).toBeUndefined();
  });
});

describe('CNMI candidates from real AT+CNMI=? answers (docs/hardware.md#new-message-indications-atcnmi)', () => {
  const first = (answer: string, statusReports = false): string | undefined => cnmiCandidates(parseCnmiTest(answer), { statusReports })[0]?.args;
  it.each([
    ['+CNMI: (2),(0-1,3),(0,2),(0-1),(0)', '2,1,0,0,0'],
    ['+CNMI:(0-3),(0-3),(0-3),(0,1),(0,1)', '2,1,0,0,0'],
    ['+CNMI: (0-3),(0,1),(0,2,3),(0,2),(1)', '2,1,0,0,1'],
    ['+CNMI: (0,1,2),(0,1),(0,2),(0),(1)', '2,1,0,0,1'],
    ['+CNMI: (0-2), (0-3), (0,2), (0,1), (0,1)', '2,1,0,0,0'],
  ])('%s -> %s', (answer, args) => {
    expect(first(answer)).toBe(args);
  });

  it('status reports: ds=1 first (no AT+CMGR/CMGD per report), then 2, then 0', () => {
    const c = cnmiCandidates(parseCnmiTest('+CNMI: (0-3),(0-3),(0-3),(0-2),(0,1)'), { statusReports: true });
    expect(c.map((x) => [x.args, x.reports])).toEqual([
      ['2,1,0,1,0', 'direct'],
      ['2,1,0,2,0', 'stored'],
      ['2,1,0,0,0', 'none'],
    ]);
  });

  it('Quectel quirk prefers ds=1; Qualcomm quirk never tries ds=1', () => {
    const ranges = parseCnmiTest('+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)');
    expect(cnmiCandidates(ranges, { statusReports: true, preferDirectReports: true })[0]?.args).toBe('2,1,0,1,0');
    expect(cnmiCandidates(ranges, { statusReports: true, rejectsDirectReports: true }).map((c) => c.args)).toEqual(['2,1,0,2,0', '2,1,0,0,0']);
  });

  it('mt=2 only when it is the only value; Huawei MU509 without mode 2 uses mode 1', () => {
    expect(first('+CNMI: (1),(2),(0),(0),(0)')).toBe('1,2,0,0,0');
    expect(first('+CNMI: (0,1),(0,2),(0),(0),(0)')).toBe('1,0,0,0,0');
  });

  it('no answer: a fixed sequence, as ModemManager has', () => {
    expect(cnmiCandidates(undefined, { statusReports: true }).map((c) => c.args)).toEqual(['2,1,0,1,0', '2,1,0,2,0', '2,1,0,0,0']);
  });
});

describe('identification, SIM, registration answers', () => {
  it('strips labels, leading spaces and double spaces', () => {
    expect(parseIdentAnswer([' WAVECOM MODEM'])).toBe('WAVECOM MODEM');
    expect(parseIdentAnswer([' MULTIBAND  900E  1800'])).toBe('MULTIBAND 900E 1800');
    expect(parseIdentAnswer(['+CGMR: LE20B04SIM7600G22'])).toBe('LE20B04SIM7600G22');
    expect(parseIdentAnswer(['Revision:1418B04SIM800L24'])).toBe('1418B04SIM800L24');
    expect(parseIdentAnswer(['V ICPR72_08w44.1', '24-11-08', 'RM-348'])).toBe('V ICPR72_08w44.1 24-11-08 RM-348');
    expect(parseImei(['+CGSN: "867223021234567"'])).toBe('867223021234567');
    expect(parseAti(['Manufacturer: huawei', 'Model: E3372', 'Revision: 22.200', 'IMEI: 1', '+GCAP: +CGSM'])).toEqual({ manufacturer: 'huawei', model: 'E3372', revision: '22.200' });
  });

  it('CPIN variants (ModemManager test_cpin_responses, SIM800 manual)', () => {
    expect(parseCpinLine('+CPIN: READY')).toBe('ready');
    expect(parseCpinLine('+CPIN: "SIM PIN"')).toBe('pin');
    expect(parseCpinLine('+CPIN: SIM PUK')).toBe('puk');
    expect(parseCpinLine('+CPIN: NOT INSERTED')).toBe('absent');
    expect(parseCpinLine('+CPIN: NOT READY')).toBe('busy');
    expect(parseCpinLine('+CPIN: PH-NET PIN')).toBe('other-lock');
  });

  it('registration, signal and operator variants (docs/hardware.md#registration-and-signal)', () => {
    expect(parseSolicitedRegistration('+CREG:002,001,"18d8","ffff"')).toBe(1);
    expect(parseSolicitedRegistration('+CREG: 2,1,  0 5, 2715')).toBe(1);
    expect(parseSolicitedRegistration('+CEREG: 2,10,"8d83","671f98a",7')).toBe(10);
    expect(registrationFromStat(10)).toBe('roaming');
    expect(registrationFromStat(6)).toBe('home');
    expect(registrationFromStat(3)).toBe('denied');
    expect(parseCsq('+CSQ:4,0')).toBe(-105);
    expect(parseCsq('+CSQ: 99,99')).toBeUndefined();
    expect(parseCops('+COPS: 0,0,"Katar Mobile",7')).toBe('Katar Mobile');
    expect(parseCops('+COPS: 0')).toBeUndefined();
  });
});

describe('URC meaning', () => {
  it('+CMTI forms, -1, SR and the Quectel +CDSI quirk', () => {
    expect(interpretUrc(urc('+CMTI', '"ME", 0'), {}, 'ME')).toEqual({ type: 'stored', storage: 'ME', index: 0, kind: 'sms' });
    expect(interpretUrc(urc('+CMTI', ',-1'), {}, 'ME')).toMatchObject({ type: 'ignored' });
    expect(interpretUrc(urc('+CDSI', '"SR",1'), {}, 'ME')).toEqual({ type: 'stored', storage: 'SR', index: 1, kind: 'status-report' });
    expect(interpretUrc(urc('+CDSI', '"SM",0'), {}, 'ME')).toEqual({ type: 'stored', storage: 'SM', index: 0, kind: 'status-report' });
    expect(interpretUrc(urc('+CDSI', '"SM",0'), { cdsiNamesWrongStorage: true }, 'ME')).toEqual({ type: 'stored', storage: 'SR', index: 0, kind: 'status-report' });
  });

  it('+CMT / +CDS bodies, registration, CPIN', () => {
    expect(interpretUrc(urc('+CMT', ',23', '07918497abcd,0'), {}, 'ME')).toEqual({ type: 'deliver', pdu: '07918497ABCD' });
    expect(interpretUrc(urc('+CDS', '25', '0791abcd'), {}, 'ME')).toEqual({ type: 'status-report', pdu: '0791ABCD' });
    expect(interpretUrc(urc('+CREG', '5'), {}, 'ME')).toEqual({ type: 'registration', domain: 'cs', stat: 5 });
    expect(interpretUrc(urc('+CEREG', '1,"8B37","0A265185",7'), {}, 'ME')).toEqual({ type: 'registration', domain: 'eps', stat: 1 });
    expect(interpretUrc(urc('+CPIN', 'READY'), {}, 'ME')).toMatchObject({ type: 'sim-or-radio' });
    expect(interpretUrc(urc('^RSSI', '18'), {}, 'ME')).toBeUndefined();
  });
});
