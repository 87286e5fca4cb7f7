import { describe, expect, it } from 'vitest';
import { LineRouter, NO_CLAIMS } from '../../../src/modem/at/line-router.js';
import type { Routed, RouteContext } from '../../../src/modem/at/line-router.js';
import type { AtToken } from '../../../src/modem/at/tokenizer.js';

const L = (text: string): AtToken => ({ kind: 'line', text });

function route(tokens: AtToken[], ctx: RouteContext = NO_CLAIMS): Routed[] {
  const r = new LineRouter();
  return tokens.flatMap((t) => r.route(t, ctx));
}

const summary = (items: Routed[]): string[] =>
  items.map((i) => (i.kind === 'urc' ? `urc:${i.urc.name}${i.urc.pdu ? `+${i.urc.pdu}` : ''}` : i.kind === 'line' ? `line:${i.text}` : i.kind));

describe('LineRouter', () => {
  it('a +CREG line is a URC unless the pending command claims +CREG', () => {
    expect(summary(route([L('+CREG: 1')]))).toEqual(['urc:+CREG']);
    expect(summary(route([L('+CREG: 0,1')], { claims: ['+CREG'], dialing: false }))).toEqual(['line:+CREG: 0,1']);
  });

  it('joins +CMT with its PDU line (PDU mode)', () => {
    expect(summary(route([L('+CMT: ,23'), L('07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07'), L('OK')]))).toEqual([
      'urc:+CMT+07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07',
      'line:OK',
    ]);
  });

  it('joins +CDS with its PDU (faucamp #44 real capture) and accepts lower-case hex with ",0"', () => {
    const pdu = '079119890400202306400C91197909913764511090718384225110907183252200';
    expect(summary(route([L('+CDS: 25'), L(pdu)]))).toEqual([`urc:+CDS+${pdu}`]);
    expect(summary(route([L('+CDS: 25'), L('07911989abcd,0')]))).toEqual(['urc:+CDS+07911989abcd,0']);
  });

  it('text-mode +CDS is one line; text-mode +CMT takes any next line as body', () => {
    expect(summary(route([L('+CDS: 2, 116, "+33146290800", 145, "98/10/01,12:30:07+04", "98/10/01 12:30:08+04", 0'), L('OK')]))).toEqual([
      'urc:+CDS',
      'line:OK',
    ]);
    expect(summary(route([L('+CMT: "+79XXXXXXXXX","1","15/09/23,01:34:03+24"'), L('Test')]))).toEqual(['urc:+CMT+Test']);
  });

  it('a PDU-mode header whose body is lost releases the next line (the OK is not swallowed)', () => {
    expect(summary(route([L('+CMT: ,23'), L('OK')]))).toEqual(['urc:+CMT', 'line:OK']);
    expect(summary(route([L('+CMT: ,23'), { kind: 'prompt' }]))).toEqual(['urc:+CMT', 'prompt']);
  });

  it('noise between header and body does not break the pair', () => {
    expect(summary(route([L('+CDS: 24'), { kind: 'noise', text: '' }, L('0791')]))).toEqual(['noise', 'urc:+CDS+0791']);
  });

  it('the pair survives a command boundary (the router keeps only that state)', () => {
    const r = new LineRouter();
    expect(r.route(L('+CMT: ,5'), { claims: ['+CSQ'], dialing: false })).toEqual([]);
    expect(summary(r.route(L('0011223344'), NO_CLAIMS))).toEqual(['urc:+CMT+0011223344']);
  });

  it('NO CARRIER is a final while dialling and a URC otherwise', () => {
    expect(summary(route([L('NO CARRIER')]))).toEqual(['urc:NO CARRIER']);
    expect(summary(route([L('NO CARRIER')], { claims: [], dialing: true }))).toEqual(['line:NO CARRIER']);
  });

  it('passes non-URC lines, prompts and noise through', () => {
    expect(summary(route([L('+CSQ: 18,99'), { kind: 'prompt' }, { kind: 'noise', text: 'x' }]))).toEqual(['line:+CSQ: 18,99', 'prompt', 'noise']);
  });
});
