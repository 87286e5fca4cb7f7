import { describe, expect, it } from 'vitest';
import { encodeStatusReport, statusOutcome } from '../../../src/modem/pdu/index.js';
import { statusReport } from './helpers.js';
import { VECTORS as V } from './vectors.js';

const at = (iso: string): string => new Date(iso).toISOString();

describe('SMS-STATUS-REPORT vectors R01-R08: decode', () => {
  it('R01 no SMSC, MR 214', () => {
    const r = statusReport(V.R01);
    expect(r).toMatchObject({ recipient: '+31628870634', messageReference: 214, status: 0, outcome: 'delivered', warnings: [] });
    expect(r.smsc).toBeUndefined();
    expect(r.serviceCentreTimestamp.toISOString()).toBe(at('2011-01-11T17:59:15+01:00'));
    expect(r.dischargeTime.toISOString()).toBe(at('2011-01-11T17:59:17+01:00'));
  });

  it('R02 national recipient, MR 183', () => {
    const r = statusReport(V.R02);
    expect(r).toMatchObject({ smsc: '+27841004005', recipient: '0829200000', recipientType: 'national', messageReference: 183, outcome: 'delivered' });
    expect(r.serviceCentreTimestamp.toISOString()).toBe(at('2013-07-17T15:58:09+02:00'));
    expect(r.dischargeTime.toISOString()).toBe(at('2013-07-17T15:58:14+02:00'));
  });

  it('R03 ZTE semi-invalid report: MR 28 and both times, with a warning about the SMSC', () => {
    const r = statusReport(V.R03);
    expect(r.messageReference).toBe(28);
    expect(r.serviceCentreTimestamp.toISOString()).toBe(at('2013-07-26T14:29:27+02:00'));
    expect(r.dischargeTime.toISOString()).toBe(at('2013-07-26T14:29:31+02:00'));
    // TS 23.040 §9.1.2.3: semi-octet 1011 is '#'; python-gsmmodem prints it as 'b'.
    expect(r.recipient).toBe('+#08427829207025');
    expect(r.outcome).toBe('delivered');
    // The literal reading (SMSC '+1', TOA 97) is kept and flagged, as the source decodes it.
    expect(r.smsc).toBe('+1');
    expect(r.warnings).toEqual(["SMSC address '+1' looks malformed"]);
  });

  it('R04 different time zones in SCTS (+8) and DT (+7)', () => {
    const r = statusReport(V.R04);
    expect(r).toMatchObject({ recipient: '+62895357614989', messageReference: 35, outcome: 'delivered' });
    expect(r.smsc).toBeUndefined();
    expect(r.serviceCentreTimestamp.toISOString()).toBe(at('2016-10-30T04:59:44+08:00'));
    expect(r.dischargeTime.toISOString()).toBe(at('2016-10-30T04:59:44+07:00'));
  });

  it('R05, R06 short-code recipient', () => {
    const r5 = statusReport(V.R05);
    expect(r5).toMatchObject({ smsc: '+353857000057', messageReference: 24, recipient: '50131', status: 0 });
    expect(r5.serviceCentreTimestamp.toISOString()).toBe(at('2010-09-28T14:56:00+01:00'));
    const r6 = statusReport(V.R06);
    expect(r6).toMatchObject({ messageReference: 5, recipient: '50131', status: 0 });
    expect(r6.smsc).toBeUndefined();
    expect(r6.dischargeTime.toISOString()).toBe(at('2010-10-05T16:00:00+01:00'));
  });

  it('R07 permanent failure 0x43', () => {
    const r = statusReport(V.R07);
    expect(r).toMatchObject({ smsc: '+34607003110', messageReference: 39, recipient: '+43626575117', status: 0x43, outcome: 'failed' });
    expect(r.serviceCentreTimestamp.toISOString()).toBe(at('2010-02-18T11:31:54+01:00'));
    expect(r.dischargeTime.toISOString()).toBe(at('2010-02-18T11:47:50+01:00'));
  });

  it('R08 temporary error 0x30 is pending', () => {
    const r = statusReport(V.R08);
    expect(r).toMatchObject({ smsc: '+34656000311', messageReference: 90, recipient: '639337937', status: 0x30, outcome: 'pending' });
    expect(r.serviceCentreTimestamp.toISOString()).toBe(at('2012-09-11T07:40:36+02:00'));
  });
});

describe('TP-ST outcome', () => {
  it.each([
    [0x00, 'delivered'],
    [0x02, 'delivered'],
    [0x1f, 'delivered'],
    [0x20, 'pending'],
    [0x3f, 'pending'],
    [0x40, 'failed'],
    [0x46, 'failed'],
    [0x5f, 'failed'],
    [0x60, 'failed'],
    [0x6f, 'failed'],
    [0x7f, 'failed'],
    [0x80, 'failed'],
  ] as const)('0x%s -> %s', (st, outcome) => {
    expect(statusOutcome(st)).toBe(outcome);
  });
});

describe('SMS-STATUS-REPORT vectors: byte-for-byte re-encoding by the simulator encoder', () => {
  it('R01, R05, R06, R07, R08', () => {
    expect(
      encodeStatusReport({ messageReference: 214, recipient: '+31628870634', status: 0, serviceCentreTimestamp: new Date('2011-01-11T17:59:15+01:00'), dischargeTime: new Date('2011-01-11T17:59:17+01:00'), tzOffsetMinutes: 60 }),
    ).toBe(V.R01);
    expect(
      encodeStatusReport({ smsc: '+353857000057', messageReference: 24, recipient: '50131', status: 0, serviceCentreTimestamp: new Date('2010-09-28T14:56:00+01:00'), dischargeTime: new Date('2010-09-28T14:56:00+01:00'), tzOffsetMinutes: 60 }),
    ).toBe(V.R05);
    expect(
      encodeStatusReport({ messageReference: 5, recipient: '50131', status: 0, serviceCentreTimestamp: new Date('2010-10-05T16:00:00+01:00'), dischargeTime: new Date('2010-10-05T16:00:00+01:00'), tzOffsetMinutes: 60 }),
    ).toBe(V.R06);
    expect(
      encodeStatusReport({ smsc: '+34607003110', messageReference: 39, recipient: '+43626575117', status: 0x43, serviceCentreTimestamp: new Date('2010-02-18T11:31:54+01:00'), dischargeTime: new Date('2010-02-18T11:47:50+01:00'), tzOffsetMinutes: 60 }),
    ).toBe(V.R07);
    expect(
      encodeStatusReport({ smsc: '+34656000311', messageReference: 90, recipient: '639337937', status: 0x30, serviceCentreTimestamp: new Date('2012-09-11T07:40:36+02:00'), dischargeTime: new Date('2012-09-11T07:40:36+02:00'), tzOffsetMinutes: 120 }),
    ).toBe(V.R08);
  });

  it('separate discharge time zone', () => {
    const t = new Date('2020-02-29T23:30:00Z');
    const hex = encodeStatusReport({ messageReference: 1, recipient: '+1', status: 0, serviceCentreTimestamp: t, dischargeTime: t, tzOffsetMinutes: 480, dischargeTzOffsetMinutes: -420 });
    // SCTS local 2020-03-01 07:30 +8h (TZ 23), DT local 2020-02-29 16:30 -7h (TZ 82 | sign 08 = 8A).
    expect(hex).toBe('0006010191F1023010700300230220926103008A00');
    const r = statusReport(hex);
    expect(r.serviceCentreTimestamp.getTime()).toBe(t.getTime());
    expect(r.dischargeTime.getTime()).toBe(t.getTime());
  });
});
