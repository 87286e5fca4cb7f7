import { afterEach, describe, expect, it, vi } from 'vitest';
import { SimulatedModem, type PersonalityName } from '../../src/simulator/index.js';
import { flush, wire } from './wire.js';

async function booted(personality: PersonalityName) {
  const sim = new SimulatedModem({ personality, bootOnFirstLink: true, periodicUrcs: false });
  const w = wire(sim);
  await flush();
  return w.take();
}

describe('personalities', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('boot sequences', async () => {
    const f = (...l: string[]): string => l.map((x) => `\r\n${x}\r\n`).join('');
    expect(await booted('generic')).toBe(f('RDY', '+CPIN: READY'));
    expect(await booted('simcom-sim800')).toBe(f('RDY', '+CFUN: 1', '+CPIN: READY', 'Call Ready', 'SMS Ready'));
    expect(await booted('simcom-sim7600')).toBe(f('RDY', '+CPIN: READY', 'SMS DONE', 'PB DONE'));
    expect(await booted('quectel')).toBe(f('RDY', '+CPIN: READY', '+QUSIM: 1', '+QIND: SMS DONE', '+QIND: PB DONE'));
    // Huawei: every other URC ends CR CR LF.
    expect(await booted('huawei')).toBe('\r\n^BOOT:27710117,0,0,0,75\r\n\r\n^MODE:5,4\r\r\n\r\n^SIMST:1\r\n\r\n^SRVST:2\r\r\n');
  });

  it('SIM800 boot with a PIN stops at +CPIN: SIM PIN', async () => {
    const sim = new SimulatedModem({ personality: 'simcom-sim800', pin: '1234', bootOnFirstLink: true });
    const w = wire(sim);
    await flush();
    expect(w.take()).toBe('\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: SIM PIN\r\n');
  });

  it('identification per personality', async () => {
    const w = wire(new SimulatedModem({ personality: 'quectel' }));
    await w.send('ATE0\r');
    expect(await w.send('AT+CGMI;+CGMM;+CGMR\r')).toBe('\r\nQuectel\r\nEC25\r\nEC25EFAR06A10M4G\r\n\r\nOK\r\n');
    expect(await w.send('ATI\r')).toBe('\r\nQuectel\r\nEC25\r\nRevision: EC25EFAR06A10M4G\r\n\r\nOK\r\n');
  });

  it('Huawei ^RSSI every 10 s until AT^CURC=0', async () => {
    vi.useFakeTimers();
    const sim = new SimulatedModem({ personality: 'huawei', rssi: 18 });
    const w = wire(sim);
    await w.send('ATE0\r');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(w.take()).toBe('\r\n^RSSI:18\r\n');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(w.take()).toBe('\r\n^RSSI:18\r\r\n');
    await w.send('AT^CURC=0\r');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(w.take()).toBe('');
    sim.dispose();
  });

  it('CNMI=? ranges per personality; unsupported combination -> +CMS ERROR: 303', async () => {
    const w = wire(new SimulatedModem({ personality: 'simcom-sim7600' }));
    await w.send('ATE0;+CMEE=1\r');
    expect(await w.send('AT+CNMI=?\r')).toBe('\r\n+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)\r\n\r\nOK\r\n');
    expect(await w.send('AT+CNMI=3,1,0,2,0\r')).toBe('\r\n+CMS ERROR: 303\r\n');
    expect(await w.send('AT+CNMI=2,1,0,2,0\r')).toBe('\r\nOK\r\n');
    expect(await w.send('AT+CNMI?\r')).toBe('\r\n+CNMI: 2,1,0,2,0\r\n\r\nOK\r\n');
  });

  it('CPMS=? per personality; a two-memory modem rejects a third parameter', async () => {
    const hw = wire(new SimulatedModem({ personality: 'huawei', periodicUrcs: false }));
    await hw.send('ATE0\r');
    expect(await hw.send('AT+CPMS=?\r')).toBe('\r\n+CPMS: ("ME","MT","SM","SR"),("ME","MT","SM","SR"),("ME","MT","SM","SR")\r\n\r\nOK\r\n\r\n');
    const wavecom = wire(
      new SimulatedModem({ personality: { name: 'wavecom-like', cpmsParams: 2, cpmsTest: '+CPMS: (("SM","BM","SR"),("SM"))' } }),
    );
    await wavecom.send('ATE0\r');
    expect(await wavecom.send('AT+CPMS="SM","SM","SR"\r')).toBe('\r\nERROR\r\n');
    expect(await wavecom.send('AT+CPMS="SM","SM"\r')).toBe('\r\n+CPMS: 0,30,0,30\r\n\r\nOK\r\n');
  });

  it('EC25 receives into ME by default', async () => {
    const sim = new SimulatedModem({ personality: 'quectel' });
    const w = wire(sim);
    sim.injectIncoming({ from: '+1555', text: 'x' });
    await flush();
    expect(w.take()).toBe('\r\n+CMTI: "ME",1\r\n');
  });

  it('rejects an unknown personality name', () => {
    expect(() => new SimulatedModem({ personality: 'nokia' as PersonalityName })).toThrow(/unknown simulator personality/);
  });
});
