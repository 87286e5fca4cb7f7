import { describe, expect, it } from 'vitest';
import { encodeDeliver } from '../../../src/modem/pdu/index.js';
import { deliver, hexOf } from './helpers.js';
import { VECTORS as V } from './vectors.js';

const at = (iso: string): string => new Date(iso).toISOString();
const HELLOHELLO = { smsc: '+12345678901', sender: '+18005551212', text: 'hellohello', tzOffsetMinutes: 0 };

describe('SMS-DELIVER vectors D01-D24: decode', () => {
  it('D01 Test2 with a 6-octet SMSC field', () => {
    const d = deliver(V.D01);
    expect(d).toMatchObject({ smsc: '+2782913593', sender: '+27821234567', senderType: 'international', pid: 0, text: 'Test2', tzOffsetMinutes: 120, warnings: [] });
    expect(d.timestamp.toISOString()).toBe(at('2013-03-08T15:02:16+02:00'));
  });

  it('D02 TZ +8', () => {
    const d = deliver(V.D02);
    expect(d).toMatchObject({ smsc: '+85290000000', sender: '+85291234567', text: 'It is easy to read text messages via AT commands.', tzOffsetMinutes: 480 });
    expect(d.timestamp.toISOString()).toBe(at('2007-04-12T23:25:42+08:00'));
  });

  it('D03 extension characters and é', () => {
    expect(deliver(V.D03)).toMatchObject({ sender: '+27821234567', text: '@{tést}!' });
  });

  it('D04 concatenation 1 of 1, national sender', () => {
    expect(deliver(V.D04)).toMatchObject({
      smsc: '+2781191',
      sender: '2781188',
      text: 'Hello!You have R 19.50 FREE airtime available. R 19.50 will expire on 01/07/2013. ',
      concat: { reference: 0xc3, referenceBits: 8, total: 1, sequence: 1 },
    });
  });

  it('D05 alphanumeric sender, UCS-2, part 1 of 2', () => {
    const d = deliver(V.D05);
    expect(d).toMatchObject({
      smsc: '+79262000331',
      sender: 'Megafon',
      senderType: 'alphanumeric',
      encoding: 'ucs2',
      text: 'SMS code: 4856, confirmation of association between account and Meg',
      concat: { reference: 0x56, total: 2, sequence: 1 },
    });
    expect(d.timestamp.toISOString()).toBe(at('2014-05-27T14:01:48+04:00'));
  });

  it('D06-D10 python-gsmmodem receive fixtures', () => {
    expect(deliver(V.D06)).toMatchObject({ smsc: '+2782913593', sender: '+0123456789', text: 'Hello world!' });
    expect(deliver(V.D06).timestamp.toISOString()).toBe(at('2013-03-08T15:02:16+02:00'));
    expect(deliver(V.D07)).toMatchObject({ sender: '+9876543210', text: 'Hallo\nhoe gaan dit?' });
    const d08 = deliver(V.D08);
    expect(d08).toMatchObject({ sender: '+27748577604', text: 'Hello raspberry pi' });
    expect(d08.timestamp.toISOString()).toBe(at('2013-01-28T14:51:42+02:00'));
    const d09 = deliver(V.D09);
    expect(d09).toMatchObject({
      sender: '+2784000153099999',
      text: "New and here to stay! Don't just recharge SUPACHARGE and get your recharged airtime+FREE CellC to CellC mins & SMSs+Free data to use anytime. T&C apply. Cell C",
    });
    expect(d09.timestamp.toISOString()).toBe(at('2013-02-07T01:31:44+02:00'));
    const d10 = deliver(V.D10);
    expect(d10).toMatchObject({
      sender: '+27840001463',
      text: 'Standard Bank: Your accounts are no longer FICA compliant. Please bring ID & proof of residence to any branch to reactivate your accounts. Queries? 0860003422.',
    });
    expect(d10.timestamp.toISOString()).toBe(at('2013-02-07T06:24:02+02:00'));
  });

  it('D11 extension table and Greek, TZ -5', () => {
    const d = deliver(V.D11);
    expect(d).toMatchObject({
      smsc: '+12404492164',
      sender: '+16175927198',
      text: "Here's a longer message [{with some extended characters}] thrown in, such as £ and ΩΠΨ and §¿ as well.",
      tzOffsetMinutes: -300,
    });
    expect(d.concat).toBeUndefined();
    expect(d.timestamp.toISOString()).toBe(at('2011-02-28T11:50:50-05:00'));
  });

  it('D12 alphanumeric InternetSMS, UCS-2 Cyrillic', () => {
    const d = deliver(V.D12);
    expect(d).toMatchObject({ smsc: '+79037011111', sender: 'InternetSMS', senderType: 'alphanumeric', text: 'тест' });
    expect(d.timestamp.toISOString()).toBe(at('2011-03-29T19:20:04+04:00'));
  });

  it('D13-D16 hellohello variants (PID FF, MMS clear, national sender)', () => {
    for (const hex of [V.D13, V.D14, V.D15]) {
      const d = deliver(hex);
      expect(d).toMatchObject(HELLOHELLO);
      expect(d.timestamp.toISOString()).toBe('2011-01-01T12:34:56.000Z');
    }
    expect(deliver(V.D14).pid).toBe(0xff);
    expect(deliver(V.D16)).toMatchObject({ ...HELLOHELLO, sender: '18005551212', senderType: 'unknown' });
  });

  it('D17 and D19 8-bit data (DCS 04 and F4)', () => {
    for (const hex of [V.D17, V.D19]) {
      const d = deliver(hex);
      expect(d.encoding).toBe('8bit');
      expect(d.text).toBe('');
      expect(hexOf(d.data ?? new Uint8Array())).toBe('E8329BFD4697D9EC37DE');
    }
  });

  it('D18 DCS F1 class 1, short code, CRLF', () => {
    const d = deliver(V.D18);
    expect(d).toMatchObject({
      smsc: '+33609001390',
      sender: '1800',
      messageClass: 1,
      encoding: 'gsm7',
      text: 'Info SFR - Confidentiel, à ne jamais transmettre -\r\nVoici votre nouveau mot de passe : sw2ced pour gérer votre compte SFR sur www.sfr.fr ou par téléphone au 963',
    });
    expect(d.timestamp.toISOString()).toBe(at('2011-06-24T13:08:15+02:00'));
  });

  it('D20 16-bit reference concatenation', () => {
    const d = deliver(V.D20);
    expect(d).toMatchObject({
      smsc: '+31653131316',
      sender: '1002',
      concat: { reference: 0x0010, referenceBits: 16, total: 2, sequence: 1 },
      text: 'Welkom, bel om uw Voicemail te beluisteren naar +31612001233 (PrePay: *100*1233#). Voicemail ontvangen is altijd gratis. Voor gebruik van mobiel interne',
    });
    expect(d.timestamp.toISOString()).toBe(at('2011-06-29T23:32:19+02:00'));
  });

  it('D21/D22 two parts with different SMSCs', () => {
    const a = deliver(V.D21);
    const b = deliver(V.D22);
    expect(a).toMatchObject({ smsc: '+12063130025', sender: '+16175046925', concat: { reference: 0x4c, total: 2, sequence: 1 } });
    expect(b).toMatchObject({ smsc: '+12063130026', sender: '+16175046925', concat: { reference: 0x4c, total: 2, sequence: 2 } });
    expect(a.text).toBe('This is a very long test designed to exercise multi part capability. It should show up as one message, not as two, as the underlying encoding represents ');
    expect(b.text).toBe('that the parts are related to one another. ');
    expect(a.timestamp.toISOString()).toBe(at('2012-04-25T19:56:50-04:00'));
    expect(b.timestamp.toISOString()).toBe(at('2012-04-25T19:56:51-04:00'));
  });

  it('D23 Vodafone ES welcome', () => {
    expect(deliver(V.D23)).toMatchObject({
      smsc: '+34607003110',
      sender: '22167',
      text: 'Bienvenido a Vodafone. Gracias por elegirnos. Recuerda que puedes gestionar todos tus servicios de forma rapida y comoda en "Mi Vodafone" www.mivf.es',
    });
  });

  it('D24 Telit HE910, TZ -5', () => {
    const d = deliver(V.D24);
    expect(d).toMatchObject({ smsc: '+16363848829', sender: '+16122001127', text: 'Darmok! Darmok and Jalad at Tanagra' });
    expect(d.timestamp.toISOString()).toBe(at('2015-09-15T14:46:22-05:00'));
  });

  it('decodes all D vectors without warnings', () => {
    for (const [id, hex] of Object.entries(V)) if (id.startsWith('D')) expect(deliver(hex).warnings, id).toEqual([]);
  });
});

describe('SMS-DELIVER vectors: byte-for-byte re-encoding by the simulator encoder', () => {
  const enc = (from: string, text: string, iso: string, tz: number, smsc: string): string[] =>
    encodeDeliver({ from, text, timestamp: new Date(iso), tzOffsetMinutes: tz, smsc });

  it('D01, D02, D03, D06, D07', () => {
    expect(enc('+27821234567', 'Test2', '2013-03-08T15:02:16+02:00', 120, '+2782913593')).toEqual([V.D01]);
    expect(enc('+85291234567', 'It is easy to read text messages via AT commands.', '2007-04-12T23:25:42+08:00', 480, '+85290000000')).toEqual([V.D02]);
    expect(enc('+27821234567', '@{tést}!', '2013-03-26T13:35:25+02:00', 120, '+2782913593')).toEqual([V.D03]);
    expect(enc('+0123456789', 'Hello world!', '2013-03-08T15:02:16+02:00', 120, '+2782913593')).toEqual([V.D06]);
    expect(enc('+9876543210', 'Hallo\nhoe gaan dit?', '2013-03-08T15:02:16+02:00', 120, '+2782913593')).toEqual([V.D07]);
  });

  it('D11, D12 (alphanumeric), D13, D16, D23, D24', () => {
    expect(
      enc('+16175927198', "Here's a longer message [{with some extended characters}] thrown in, such as £ and ΩΠΨ and §¿ as well.", '2011-02-28T11:50:50-05:00', -300, '+12404492164'),
    ).toEqual([V.D11]);
    expect(enc('InternetSMS', 'тест', '2011-03-29T19:20:04+04:00', 240, '+79037011111')).toEqual([V.D12]);
    expect(enc('+18005551212', 'hellohello', '2011-01-01T12:34:56Z', 0, '+12345678901')).toEqual([V.D13]);
    expect(enc('18005551212', 'hellohello', '2011-01-01T12:34:56Z', 0, '+12345678901')).toEqual([V.D16]);
    expect(
      enc('22167', 'Bienvenido a Vodafone. Gracias por elegirnos. Recuerda que puedes gestionar todos tus servicios de forma rapida y comoda en "Mi Vodafone" www.mivf.es', '2013-03-19T16:19:13+01:00', 60, '+34607003110'),
    ).toEqual([V.D23]);
    expect(enc('+16122001127', 'Darmok! Darmok and Jalad at Tanagra', '2015-09-15T14:46:22-05:00', -300, '+16363848829')).toEqual([V.D24]);
  });

  it('D21: first part of a two-part message with reference 0x4C (differs only in the fill bit)', () => {
    const text = deliver(V.D21).text + deliver(V.D22).text;
    const parts = encodeDeliver({ from: '+16175046925', text, timestamp: new Date('2012-04-25T19:56:50-04:00'), tzOffsetMinutes: -240, smsc: '+12063130025', concatReference: 0x4c });
    expect(parts).toHaveLength(2);
    // The sending SC set the fill bit after the UDH (octet A9); TS 23.040 §9.2.3.24 makes
    // fill bits zero, so ours reads A8. Everything else is identical.
    // SMSC 8, first octet 1, OA 8, PID 1, DCS 1, SCTS 7, UDL 1, UDH 6 octets precede it.
    const fillOctet = 2 * (8 + 1 + 8 + 1 + 1 + 7 + 1 + 6);
    const clearFill = (hex: string): string => `${hex.slice(0, fillOctet)}${(parseInt(hex.slice(fillOctet, fillOctet + 2), 16) & 0xfe).toString(16).toUpperCase()}${hex.slice(fillOctet + 2)}`;
    expect(V.D21.slice(fillOctet, fillOctet + 2)).toBe('A9');
    expect(parts[0]).toBe(clearFill(V.D21));
    // Part 2 differs from D22 only in the SMSC (…25 vs …26) and the SCTS second (:50 vs :51).
    const d22 = clearFill(V.D22);
    expect(parts[1]?.slice(16, 46)).toBe(d22.slice(16, 46));
    expect(parts[1]?.slice(60)).toBe(d22.slice(60));
  });
});
