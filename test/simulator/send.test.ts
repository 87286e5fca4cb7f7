import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeSubmit } from '../../src/modem/pdu/index.js';
import { SimulatedModem } from '../../src/simulator/index.js';
import { flush, wire } from './wire.js';

// Golden SUBMIT vectors from outside the project (python-gsmmodem test_pdu.py: S01, S04, S06-S08 in docs/hardware.md#test-vectors).
const S01 = '0001000B917228001011F100000CC8329BFD065DDF72363904';
const S04 = '04A12143F5310D0AA110624521430000A91BD4F29C0E6A97E7F3F0B9AC03B1DFE3301BE4AEB7C565F91C';
const S06 =
  '0045000B915121551532F40000A0050003000301986F79B90D4AC3E7F53688FC66BFE5A0799A0E0AB7CB741668FC76CFCB637A995E9783C2E4343C3D4F8FD3EE33A8CC4ED359A079990C22BF41E5747DDE7E9341F4721BFE9683D2EE719A9C26D7DD74509D0E6287C56F791954A683C86FF65B5E06B5C36777181466A7E3F5B0AB4A0795DDE936284C06B5D3EE741B642FBBD3E1360B14AFA7DD';
const S07 =
  '0045000B915121551532F40000A0050003000302DE73BABC4E0695F165F9384D0FD3D36F37A8CE6687DBE337881D16BFE5E939C89D9EA741753A28CC4EC7EB6938A88C0795C3A0F1BBDD7E93DFA0F1DB3D2FC7EB61BA8B584FCF41E13ABD0C4ACBEBF23288FC66BFE5A0B41B242FC3E56574D94D2ECBD37450DA0DB2BFD975383D4C2F83EC65769A0E2ACFE765D038CD66D7DB20F29BFD2E83CA';
const S08 =
  '0045000B915121551532F400008C050003000303EA2073FD9C0ED341EE3A9B1D06C1C3F274985E97BB8AF871194E2FD7E5A079DA4D07BDC7E370791CA683C675789A1CA687E920F7DB0D82CBDF6972D94D6781E675371D947683C675363C0C8AD7D3A0B7D99C1EA7C32072795E96D7DD7450FBCD66A7E9A0B03BDD06A5C9A0F29C0E6287C56F79BD0D';

/** AT+CMGS=<n> for a hex PDU with its SMSC field. */
const tpduLen = (hex: string): number => hex.length / 2 - 1 - parseInt(hex.slice(0, 2), 16);

async function quiet(opts: ConstructorParameters<typeof SimulatedModem>[0] = {}) {
  const sim = new SimulatedModem(opts);
  const w = wire(sim);
  await w.send('ATE0;+CMEE=1\r');
  return { sim, w };
}

describe('AT+CMGS in PDU mode', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('prompts with CR LF "> " and nothing after the space, echoing command and PDU', async () => {
    const sim = new SimulatedModem();
    const w = wire(sim);
    expect(await w.send('AT+CMGS=24\r')).toBe('AT+CMGS=24\r\r\n> ');
    expect(await w.send(`${S01}\x1a`)).toBe(`${S01}\r\n+CMGS: 0\r\n\r\nOK\r\n`);
    expect(sim.sent).toHaveLength(1);
    expect(sim.sent[0]).toMatchObject({ mr: 0, to: '+27820001111', text: 'Hello World!', pdu: S01, statusReportRequested: false });
  });

  it('SIM7600 prompts with a bare ">" and CR LF', async () => {
    const { w } = await quiet({ personality: 'simcom-sim7600' });
    expect(await w.send('AT+CMGS=24\r')).toBe('\r\n>\r\n');
  });

  it('counts message references 0-255 and wraps', async () => {
    const { sim, w } = await quiet();
    for (let i = 0; i < 257; i++) {
      await w.send('AT+CMGS=24\r');
      await w.send(`${S01}\x1a`);
    }
    expect(sim.sent.map((s) => s.mr).slice(254)).toEqual([254, 255, 0]);
  });

  it('rejects a PDU whose length differs from the declared TPDU length with +CMS ERROR: 304', async () => {
    const { sim, w } = await quiet();
    await w.send('AT+CMGS=25\r');
    expect(await w.send(`${S01}\x1a`)).toBe('\r\n+CMS ERROR: 304\r\n');
    await w.send(`AT+CMGS=${tpduLen(S04)}\r`);
    expect(await w.send(`${S04}\x1a`)).toMatch(/\+CMGS: 0\r\n/);
    expect(sim.sent[0]).toMatchObject({ to: '0126541234', statusReportRequested: true });
  });

  it('rejects invalid hex and non-SUBMIT PDUs with +CMS ERROR: 304', async () => {
    const { w } = await quiet();
    await w.send('AT+CMGS=24\r');
    expect(await w.send(`${S01.slice(0, -2)}ZZ\x1a`)).toBe('\r\n+CMS ERROR: 304\r\n');
    await w.send('AT+CMGS=2\r');
    expect(await w.send('0004FF\x1a')).toBe('\r\n+CMS ERROR: 304\r\n');
  });

  it('ESC aborts with OK and sends nothing', async () => {
    const { sim, w } = await quiet();
    await w.send('AT+CMGS=24\r');
    expect(await w.send(`${S01}\x1b`)).toBe('\r\nOK\r\n');
    expect(sim.sent).toEqual([]);
  });

  it('without network answers +CMS ERROR: 331 after the PDU', async () => {
    const { sim, w } = await quiet();
    sim.setNetwork('searching');
    expect(await w.send('AT+CMGS=24\r')).toBe('\r\n> ');
    expect(await w.send(`${S01}\x1a`)).toBe('\r\n+CMS ERROR: 331\r\n');
  });

  it('"00" SMSC field with no SMSC on the SIM gives +CMS ERROR: 330', async () => {
    const { w } = await quiet({ smsc: '' });
    await w.send('AT+CMGS=24\r');
    expect(await w.send(`${S01}\x1a`)).toBe('\r\n+CMS ERROR: 330\r\n');
  });

  it('honours prompt and send latencies through fake timers', async () => {
    vi.useFakeTimers();
    const { sim, w } = await quiet({ promptLatencyMs: 86, sendLatencyMs: 14_400 });
    expect(await w.send('AT+CMGS=24\r')).toBe('');
    await vi.advanceTimersByTimeAsync(86);
    expect(w.take()).toBe('\r\n> ');
    expect(await w.send(`${S01}\x1a`)).toBe('');
    await vi.advanceTimersByTimeAsync(14_399);
    expect(w.take()).toBe('');
    expect(sim.sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(w.take()).toBe('\r\n+CMGS: 0\r\n\r\nOK\r\n');
    expect(sim.sent).toHaveLength(1);
  });

  it('queues a command typed while a send is in flight', async () => {
    vi.useFakeTimers();
    const { w } = await quiet({ sendLatencyMs: 1000 });
    await w.send('AT+CMGS=24\r');
    await w.send(`${S01}\x1aAT+CSQ\r`);
    await vi.advanceTimersByTimeAsync(1000);
    expect(w.take()).toBe('\r\n+CMGS: 0\r\n\r\nOK\r\n\r\n+CSQ: 20,99\r\n\r\nOK\r\n');
  });

  it('records a three-part golden message and reassembles it', async () => {
    const { sim, w } = await quiet();
    for (const pdu of [S06, S07, S08]) {
      await w.send(`AT+CMGS=${tpduLen(pdu)}\r`);
      expect(await w.send(`${pdu}\x1a`)).toMatch(/^\r\n\+CMGS: \d+\r\n\r\nOK\r\n$/);
    }
    expect(sim.sent.map((s) => s.concat)).toEqual([1, 2, 3].map((sequence) => ({ reference: 0, referenceBits: 8, total: 3, sequence })));
    const [msg] = sim.sentMessages();
    expect(msg?.complete).toBe(true);
    expect(msg?.to).toBe('+15125551234');
    expect(msg?.text.startsWith('Lorem ipsum dolor sit amet')).toBe(true);
    expect(msg?.text.endsWith('id est laborum')).toBe(true);
  });

  it('reassembles interleaved multipart messages from the shared encoder', async () => {
    const { sim, w } = await quiet();
    const a = encodeSubmit({ to: '+15550001', text: 'A'.repeat(200), concatReference: 7 });
    const b = encodeSubmit({ to: '+15550002', text: 'B'.repeat(200), concatReference: 7 });
    for (const p of [a[0], b[0], b[1], a[1]]) {
      if (!p) throw new Error('missing part');
      await w.send(`AT+CMGS=${p.tpduLength}\r`);
      await w.send(`${p.hex}\x1a`);
    }
    expect(sim.sentMessages().map((m) => [m.to, m.text.length, m.complete])).toEqual([
      ['+15550001', 200, true],
      ['+15550002', 200, true],
    ]);
  });
});

describe('AT+CMGS in text mode', () => {
  it('re-prompts after each CR and records the text', async () => {
    const { sim, w } = await quiet();
    await w.send('AT+CMGF=1\r');
    expect(await w.send('AT+CMGS="+27820000000"\r')).toBe('\r\n> ');
    expect(await w.send('Hello\r')).toBe('\r\n> ');
    expect(await w.send('world\x1a')).toBe('\r\n+CMGS: 0\r\n\r\nOK\r\n');
    await flush();
    expect(sim.sent[0]).toMatchObject({ to: '+27820000000', text: 'Hello\nworld', statusReportRequested: false });
  });
});
