import { describe, expect, it } from 'vitest';
import { LineRouter, NO_CLAIMS } from '../../src/modem/at/line-router.js';
import { AtTokenizer } from '../../src/modem/at/tokenizer.js';
import { interpretUrc } from '../../src/modem/session/urcs.js';

function route(text: string, claims: string[] = []) {
  const router = new LineRouter();
  const tokenizer = new AtTokenizer();
  return tokenizer.push(text).flatMap((t) => router.route(t, claims.length ? { claims, dialing: false } : NO_CLAIMS));
}

describe('+CUSD, RING and +CLIP routing', () => {
  it('joins a +CUSD whose quoted menu spans lines into one URC, even inside a response', () => {
    const out = route('\r\n+CSQ: 20,99\r\n\r\n+CUSD: 1,"Main menu\n1 Balance\r\n2 Data",15\r\n\r\nOK\r\n', ['+CSQ']);
    expect(out).toEqual([
      { kind: 'line', text: '+CSQ: 20,99' },
      { kind: 'urc', urc: expect.objectContaining({ name: '+CUSD', args: '1,"Main menu\n1 Balance\n2 Data",15' }) },
      { kind: 'line', text: 'OK' },
    ]);
  });

  it('never swallows the final result into a quote that does not close', () => {
    const out = route('\r\n+CUSD: 0,"Say hi\r\nthere\r\n\r\nOK\r\n');
    expect(out.map((r) => r.kind)).toEqual(['urc', 'line']);
    expect(out[0]).toMatchObject({ urc: { args: '0,"Say hi\nthere' } });
    expect(out[1]).toEqual({ kind: 'line', text: 'OK' });
  });

  it('turns +CUSD, RING, +CRING, +CLIP and NO CARRIER into USSD and call effects', () => {
    const urc = (name: string, args = '') => ({ name, line: `${name}: ${args}`, args, boot: false });
    expect(interpretUrc(urc('+CUSD', '0,"Balance: 1.00",15'), {}, 'SM')).toEqual({ type: 'ussd', line: { status: 0, raw: 'Balance: 1.00', dcs: 15 } });
    expect(interpretUrc(urc('+CUSD', 'nonsense'), {}, 'SM')).toMatchObject({ type: 'ignored' });
    expect(interpretUrc(urc('RING'), {}, 'SM')).toEqual({ type: 'call', signal: { kind: 'ring' } });
    expect(interpretUrc(urc('+CRING', 'VOICE'), {}, 'SM')).toEqual({ type: 'call', signal: { kind: 'ring' } });
    expect(interpretUrc(urc('+CLIP', '"+61400000001",145,,,,0'), {}, 'SM')).toEqual({ type: 'call', signal: { kind: 'caller', number: '+61400000001', numberType: 145 } });
    expect(interpretUrc(urc('NO CARRIER'), {}, 'SM')).toEqual({ type: 'call', signal: { kind: 'ended' } });
  });
});
