import { describe, expect, it } from 'vitest';
import { decodePdu } from '../../../src/modem/pdu/index.js';
import { codeOf, deliver, statusReport, submit } from './helpers.js';
import { VECTORS as V } from './vectors.js';

// Real-world defects (docs/hardware.md#defects-the-decoder-tolerates), applied to the
// golden vectors; each must decode to the clean result plus a warning.

describe('decodePdu tolerance', () => {
  it('accepts lower case and surrounding whitespace', () => {
    expect(deliver(`  ${V.D06.toLowerCase()}\r\n`)).toMatchObject({ text: 'Hello world!', warnings: [] });
  });

  it("strips a trailing ',0' (gammu: 'it simply happens with some phones')", () => {
    const d = deliver(`${V.D06},0`);
    expect(d.text).toBe('Hello world!');
    expect(d.warnings).toEqual(["trailing ',0' after the PDU ignored"]);
  });

  it('ignores trailing FF padding after a DELIVER (gammu at-sms/32)', () => {
    const d = deliver(`${V.D13}FFFFFFFFFF`);
    expect(d.text).toBe('hellohello');
    expect(d.warnings.join()).toMatch(/FF padding/);
  });

  it('ignores trailing FF padding after a status report', () => {
    const r = statusReport(`${V.R06}FFFF`);
    expect(r).toMatchObject({ messageReference: 5, status: 0 });
    expect(r.warnings.join()).toMatch(/FF padding/);
  });

  it('accepts the TP-PI octets gammu saw after TP-ST (at-sms/34 ...060000, 36 ...00)', () => {
    expect(statusReport(`${V.R06}060000`)).toMatchObject({ messageReference: 5, warnings: [] });
    expect(statusReport(`${V.R06}00`)).toMatchObject({ messageReference: 5, warnings: [] });
  });

  it('ignores junk after TP-ST with a warning', () => {
    const r = statusReport(`${V.R07}DEADBEEF`);
    expect(r).toMatchObject({ status: 0x43, outcome: 'failed' });
    expect(r.warnings.join()).toMatch(/after TP-ST/);
  });

  it('tolerates a UDL larger than the data (S11) and a truncated GSM-7 body', () => {
    expect(submit(V.S11).text).toBe('はい');
    // D13 with its last two octets cut off: UDL still says 10 septets.
    const d = deliver(V.D13.slice(0, -4));
    expect(d.text).toBe('hellohel');
    expect(d.warnings.join()).toMatch(/UDL/);
  });

  it('reads an SMSC length octet that counts digits instead of octets (ZTE-style)', () => {
    const d = deliver(`0B${V.D13.slice(2)}`);
    expect(d).toMatchObject({ smsc: '+12345678901', sender: '+18005551212', text: 'hellohello' });
    expect(d.warnings.join()).toMatch(/SMSC length/);
  });

  it('falls back to "no SMSC field" when the modem left it out', () => {
    const d = deliver(V.D13.slice(16));
    expect(d).toMatchObject({ sender: '+18005551212', text: 'hellohello' });
    expect(d.smsc).toBeUndefined();
    expect(d.warnings.join()).toMatch(/no SMSC/);
    const r = statusReport(V.R02.slice(16));
    expect(r).toMatchObject({ recipient: '0829200000', messageReference: 183 });
    expect(submit(V.S21.slice(16))).toMatchObject({ text: 'Да здравствует король, детка!' });
  });

  it('smscIncluded: false decodes a bare TPDU without warnings', () => {
    expect(decodePdu(V.D13.slice(16), { smscIncluded: false })).toMatchObject({ type: 'deliver', text: 'hellohello', warnings: [] });
    expect(decodePdu(V.R01.slice(2), { smscIncluded: false })).toMatchObject({ type: 'status-report', messageReference: 214 });
  });

  it('decodes UCS-2 data sent under a GSM-7 DCS (gammu at-sms/14: DCS F9)', () => {
    // D12 ('тест', DCS 08) with the DCS octet replaced by F9.
    const dcsAt = 2 * (8 + 1 + 12 + 1);
    const d = deliver(`${V.D12.slice(0, dcsAt)}F9${V.D12.slice(dcsAt + 2)}`);
    expect(d).toMatchObject({ dcs: 0xf9, encoding: 'ucs2', text: 'тест', messageClass: 1 });
    expect(d.warnings.join()).toMatch(/DCS/);
    // Same with a plain DCS 00.
    expect(deliver(`${V.D12.slice(0, dcsAt)}00${V.D12.slice(dcsAt + 2)}`).text).toBe('тест');
  });

  it('reads reserved DCS groups as GSM-7 (TS 23.038 §4)', () => {
    const dcsAt = 2 * (8 + 1 + 8 + 1);
    const d = deliver(`${V.D13.slice(0, dcsAt)}80${V.D13.slice(dcsAt + 2)}`);
    expect(d.text).toBe('hellohello');
    expect(d.warnings.join()).toMatch(/reserved DCS/);
  });

  it('reads a reserved TP-MTI as SMS-DELIVER (TS 23.040 §9.2.3.1)', () => {
    const d = deliver(`${V.D13.slice(0, 16)}07${V.D13.slice(18)}`);
    expect(d.text).toBe('hellohello');
    expect(d.warnings.join()).toMatch(/MTI/);
  });

  it('rejects what cannot be a PDU with PDU_INVALID', () => {
    for (const bad of ['', '0', 'zz', '00', '0011', 'hello world', '00FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF', '07914306073011F0']) {
      expect(codeOf(() => decodePdu(bad)), bad).toBe('PDU_INVALID');
    }
  });

  it('rejects non-string input with PDU_INVALID rather than a TypeError', () => {
    expect(codeOf(() => decodePdu(undefined as unknown as string))).toBe('PDU_INVALID');
    expect(codeOf(() => decodePdu(42 as unknown as string))).toBe('PDU_INVALID');
  });
});
