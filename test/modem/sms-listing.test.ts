import { describe, expect, it } from 'vitest';
import { cleanPdu, parseCmgl, parseCmgr } from '../../src/modem/sms-listing.js';

// SMS-DELIVER vectors D06, D08-D10 (python-gsmmodem test_modem.py; docs/hardware.md#test-vectors).
const D06 = '06917228195339040A9110325476980000313080512061800CC8329BFD06DDDF72363904';
const D08 = '07917248014000F3240B917247587706F400003110824115248012C8329BFD06C9C373B8B82C97E741F034';
const D09 =
  '07917248010080F020109172480010359099990000312070101344809FCEF21D14769341E8B2BC0CA2BF41737A381F0211DFEE131DA4AECFE92079798C0ECBCF65D0B40A0D0E9141E9B1080ABBC9A073990ECABFEB7290BC3C4687E5E73219144ECBE9E976796594168BA06199CD1E82E86FD0B0CC660F41EDB47B0E3281A6CDE97C659497CB2072981E06D1DFA0FABC0C0ABBF3F474BBEC02514D4350180E67E75DA06199CD060D01';
const D10 =
  '07917248010080F0240B917248001064F30000312070604220809F537AD84D0ECBC92061D8BDD681B2EFBA1C141E8FDF75377D0E0ACBCB20F71BC47EBBCF6539C8981C0641E3771BCE4E87DD741708CA2E87E76590589E769F414922C80482CBDF6F33E86D06C9CBF334B9EC1E9741F43728ECCE83C4F2B07B8C06D1DF2079393CA6A7ED617A19947FD7E5A0F078FCAEBBE97317285A2FCBD3E5F90F04C3D96030D88C2693B900';
const D23 =
  '07914306073011F00405812261F700003130916191314095C274D96D2FBBD3E437280CB2BEC961F3DB5D76818EF2F0381D9E83E06F39A8CC2E9FD372F77BEE0249CBE37A594E0E83E2F532085E2F93CB73D0B93CA7A7DFEEB01C447F93DF7310BD3E07CDCB727B7A9C7ECF41E432C8FC96B7C32079189E26874179D0F8DD7E93C3A0B21B246AA641D637396C7EBBCB22D0FD7E77B5D376B3AB3C07';
const D24 = '07916163838428F9040B916121021021F700005190514164220A23C4B0BCFD5E8740C4B0BCFD5E83C26E3248196687C9A0301D440DBBC3677918';
const R02 = '07917248014000F506B70AA18092020000317071518590803170715185418000';
const R03 = '0297F1061C0F910B487228297020F5317062419272803170624192138000';

describe('parseCmgr', () => {
  it.each([
    ['+CMGR: 0,,29', 0, undefined],
    ['+CMGR: 0,"",29', 0, undefined],
    ['+CMGR: 0,"abc123",29', 0, 'abc123'],
    ['+CMGR: 0,Test User 123,29', 0, 'Test User 123'],
    ['+CMGR: 0,9876543231,29', 0, '9876543231'],
    ['+CMGR:0,,29', 0, undefined],
    ['+CMGR: 0,29', 0, undefined],
    ['+CMGR: ,,29', undefined, undefined],
    ['+CMGR: 29', undefined, undefined],
    ['+CMGR: 4,1,,29', 1, undefined],
    ['+CMGRD: 0,"",29', 0, undefined],
  ])('D06 with header %s', (header, stat, alpha) => {
    const e = parseCmgr([header, D06]);
    expect(e).toEqual({ length: 29, pdu: D06, ...(stat === undefined ? {} : { stat }), ...(alpha === undefined ? {} : { alpha }) });
  });

  it('D24 Telit HE910: empty "" alpha, PDU on the next line', () => {
    expect(parseCmgr(['+CMGR: 0,"",50', D24])).toEqual({ stat: 0, length: 50, pdu: D24 });
  });

  it('D23: PDU after a space on the header line (ModemManager generic test)', () => {
    expect(parseCmgr([`+CMGR: 1,,147 ${D23}`])).toEqual({ stat: 1, length: 147, pdu: D23 });
  });

  it('D08 served as +CMGR: 0,,35; blank lines before the PDU are skipped', () => {
    expect(parseCmgr(['+CMGR: 0,,35', '', D08])).toEqual({ stat: 0, length: 35, pdu: D08 });
  });

  it('status reports: R02 (+CMGR: 0,,24) and ZTE R03 without stat', () => {
    expect(parseCmgr(['+CMGR: 0,,24', R02])).toEqual({ stat: 0, length: 24, pdu: R02 });
    expect(parseCmgr(['+CMGR: ,,27', R03])).toEqual({ length: 27, pdu: R03 });
  });

  it('lower-case hex (A7608E), a stray ",0" and FF padding are normalised', () => {
    expect(parseCmgr(['+CMGR: 0,,29', D06.toLowerCase()])?.pdu).toBe(D06);
    expect(parseCmgr(['+CMGR: 0,,29', `${D06},0`])?.pdu).toBe(D06);
    expect(parseCmgr(['+CMGR: 0,,29', `${D06}FFFFFFFF`])?.pdu).toBe(D06);
  });

  it('empty slots: bare OK (no lines) and +CMGR: 0,,0', () => {
    expect(parseCmgr([])).toBeUndefined();
    expect(parseCmgr(['+CMGR: 0,,0'])).toBeUndefined();
    expect(parseCmgr(['+CMGR: 0,,0', '00'])).toBeUndefined();
  });

  it('text-mode answers are refused with PDU_UNSUPPORTED', () => {
    expect(() => parseCmgr(['+CMGR: "REC UNREAD","+27821234567",,"13/03/08,15:02:16+08"', 'Hello'])).toThrow(expect.objectContaining({ code: 'PDU_UNSUPPORTED' }));
    expect(() => parseCmgr(['+CMGR: ,6,20,"0870000000",129,"13/04/29,19:58:00+04","13/04/29,19:59:00+04",0'])).toThrow(
      expect.objectContaining({ code: 'PDU_UNSUPPORTED' }),
    );
  });

  it('a header without PDU is PDU_INVALID', () => {
    expect(() => parseCmgr(['+CMGR: 0,,29'])).toThrow(expect.objectContaining({ code: 'PDU_INVALID' }));
  });
});

describe('parseCmgl', () => {
  it('python-gsmmodem fixture D08-D10', () => {
    const { entries, problems } = parseCmgl(['+CMGL: 0,0,,35', D08, '+CMGL: 1,1,,161', D09, '+CMGL: 2,1,,159', D10]);
    expect(problems).toEqual([]);
    expect(entries).toEqual([
      { index: 0, stat: 0, length: 35, pdu: D08 },
      { index: 1, stat: 1, length: 161, pdu: D09 },
      { index: 2, stat: 1, length: 159, pdu: D10 },
    ]);
  });

  it('variants: Pantech without alpha, D-Link spacing, "" alpha, same-line PDU', () => {
    const { entries } = parseCmgl(['+CMGL: 17,3,35', D08, '+CMGL: 1, 0,,35', D08, '+CMGL: 2,0,"",35', D08, `+CMGL: 0,1,,147 ${D23}`]);
    expect(entries.map((e) => [e.index, e.stat, e.length])).toEqual([
      [17, 3, 35],
      [1, 0, 35],
      [2, 0, 35],
      [0, 1, 147],
    ]);
  });

  it('a header glued to the previous PDU is split (gammu)', () => {
    const { entries } = parseCmgl(['+CMGL: 0,0,,35', `${D08}+CMGL: 1,1,,161`, D09]);
    expect(entries.map((e) => e.index)).toEqual([0, 1]);
    expect(entries[0]?.pdu).toBe(D08);
  });

  it('unparsable lines are reported, the rest is kept', () => {
    const { entries, problems } = parseCmgl(['+CMGL: 0,0,,35', '+CMGL: 1,1,,161', D09, 'garbage']);
    expect(entries.map((e) => e.index)).toEqual([1]);
    expect(problems).toHaveLength(2);
  });

  it('empty storage', () => {
    expect(parseCmgl([])).toEqual({ entries: [], problems: [] });
  });
});

describe('cleanPdu', () => {
  it('keeps a PDU whose SMSC length octet is wrong (ZTE R03) untouched', () => {
    expect(cleanPdu(R03, 27)).toBe(R03);
  });
});
