import { describe, expect, it } from 'vitest';
import { SimulatedModem, outcome } from '../../src/simulator/index.js';
import { flush, wire } from './wire.js';

describe('AT dialogue (generic personality)', () => {
  it('echoes the command line including its CR while E1, not after ATE0', async () => {
    const w = wire(new SimulatedModem());
    expect(await w.send('AT\r')).toBe('AT\r\r\nOK\r\n');
    // The line switching echo off is itself still echoed (SIM800C log).
    expect(await w.send('ATE0\r')).toBe('ATE0\r\r\nOK\r\n');
    expect(await w.send('AT\r')).toBe('\r\nOK\r\n');
    expect(await w.send('ATE1\r')).toBe('\r\nOK\r\n');
    expect(await w.send('AT\r')).toBe('AT\r\r\nOK\r\n');
  });

  it('ATZ restores the power-on profile, echo back on', async () => {
    const w = wire(new SimulatedModem());
    await w.send('ATE0\r');
    await w.send('AT+CMEE=1\r');
    expect(await w.send('ATZ\r')).toBe('\r\nOK\r\n');
    expect(await w.send('AT+CMEE?\r')).toBe('AT+CMEE?\r\r\n+CMEE: 0\r\n\r\nOK\r\n');
  });

  it('frames information lines with an empty line before OK', async () => {
    const w = wire(new SimulatedModem());
    await w.send('ATE0\r');
    expect(await w.send('AT+CSQ\r')).toBe('\r\n+CSQ: 20,99\r\n\r\nOK\r\n');
    expect(await w.send('AT+CGMI;+CGMM\r')).toBe('\r\nKatar\r\nSIM-GENERIC\r\n\r\nOK\r\n');
  });

  it('formats errors per AT+CMEE', async () => {
    const w = wire(new SimulatedModem());
    await w.send('ATE0\r');
    expect(await w.send('AT+CMGR=99\r')).toBe('\r\nERROR\r\n');
    await w.send('AT+CMEE=1\r');
    expect(await w.send('AT+CMGR=99\r')).toBe('\r\n+CMS ERROR: 321\r\n');
    await w.send('AT+CMEE=2\r');
    expect(await w.send('AT+CMGR=99\r')).toBe('\r\n+CMS ERROR: invalid memory index\r\n');
  });

  it('answers unknown commands per personality', async () => {
    const cases = [
      ['generic', 'ERROR'],
      ['simcom-sim800', '+CME ERROR: 100'],
      ['huawei', 'COMMAND NOT SUPPORT'],
    ] as const;
    for (const [personality, answer] of cases) {
      const w = wire(new SimulatedModem({ personality }));
      await w.send('ATE0;+CMEE=1\r');
      expect(await w.send('AT+CLAC\r')).toMatch(new RegExp(`^\\r\\n${answer.replace('+', '\\+')}\\r\\n`));
    }
  });

  it('stops a concatenated line at the first error', async () => {
    const w = wire(new SimulatedModem());
    await w.send('ATE0\r');
    expect(await w.send('AT+CSQ;+BOGUS;+CGMI\r')).toBe('\r\n+CSQ: 20,99\r\n\r\nERROR\r\n');
  });

  it('ignores ESC CR (stale editor abort) and lines that are not AT commands', async () => {
    const sim = new SimulatedModem();
    const w = wire(sim);
    expect(await w.send('\x1b\r')).toBe('\r');
    expect(await w.send('hello\r')).toBe('hello\r');
    expect(await w.send('at\r')).toBe('at\r\r\nOK\r\n');
    expect(sim.commands).toEqual(['at']);
  });

  it('assembles commands split across writes and ignores LF', async () => {
    const sim = new SimulatedModem();
    const w = wire(sim);
    await w.port.write('AT+C');
    await w.port.write('SQ\r\n');
    await flush();
    // Character echo: the LF typed after the CR is echoed after the answer.
    expect(w.take()).toBe('AT+CSQ\r\r\n+CSQ: 20,99\r\n\r\nOK\r\n\n');
    expect(sim.commands).toEqual(['AT+CSQ']);
  });

  it('records commands and emits them', async () => {
    const sim = new SimulatedModem();
    const seen: string[] = [];
    sim.on('command', (l: string) => seen.push(l));
    const w = wire(sim);
    await w.send('AT\rATI\r');
    expect(sim.commands).toEqual(['AT', 'ATI']);
    expect(seen).toEqual(['AT', 'ATI']);
    expect(sim.counters.commands).toBe(2);
  });

  it('lets a test override one behaviour and add another', async () => {
    const sim = new SimulatedModem();
    sim.override('csq', () => outcome.ok('+CSQ: 5,0'));
    sim.use({ name: 'custom', match: (c) => c.name === '+KATAR', handle: () => outcome.ok('+KATAR: 1') });
    const w = wire(sim);
    await w.send('ATE0\r');
    expect(await w.send('AT+CSQ\r')).toBe('\r\n+CSQ: 5,0\r\n\r\nOK\r\n');
    expect(await w.send('AT+KATAR\r')).toBe('\r\n+KATAR: 1\r\n\r\nOK\r\n');
  });

  it('an override returning undefined falls through to the next behaviour', async () => {
    const sim = new SimulatedModem();
    let first = true;
    sim.use({
      name: 'fail-first-csq',
      match: (c) => c.name === '+CSQ',
      handle: () => (first ? ((first = false), outcome.cme(14)) : undefined),
    });
    const w = wire(sim);
    await w.send('ATE0;+CMEE=1\r');
    expect(await w.send('AT+CSQ\r')).toBe('\r\n+CME ERROR: 14\r\n');
    expect(await w.send('AT+CSQ\r')).toBe('\r\n+CSQ: 20,99\r\n\r\nOK\r\n');
  });

  it('never answers synchronously inside write()', async () => {
    const sim = new SimulatedModem();
    const port = sim.link();
    let got = '';
    port.on('data', (b: Buffer) => (got += b.toString()));
    void port.write('AT\r');
    expect(got).toBe('');
    await new Promise((r) => setTimeout(r, 5));
    expect(got).toBe('AT\r\r\nOK\r\n');
  });

  it('splits output into random chunks without changing the bytes', async () => {
    const sim = new SimulatedModem({ splitOutput: { max: 3 }, seed: 42 });
    const port = sim.link();
    const chunks: Buffer[] = [];
    port.on('data', (b: Buffer) => chunks.push(b));
    await port.write('ATI\r');
    await new Promise((r) => setTimeout(r, 5));
    expect(Buffer.concat(chunks).toString()).toBe('ATI\r\r\nKatar\r\nSIM-GENERIC\r\nRevision: KSIM 1.0.0\r\n\r\nOK\r\n');
    expect(chunks.length).toBeGreaterThan(10);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(3);
  });
});
