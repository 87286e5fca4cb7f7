import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodePdu, encodeSubmit } from '../../src/modem/pdu/index.js';
import { SimulatedModem } from '../../src/simulator/index.js';
import { wire } from './wire.js';

const [part] = encodeSubmit({ to: '+31628870634', text: 'count me', requestStatusReport: true });

describe('simulator: the SIM in each modem', () => {
  it('answers AT+CIMI and the personality\'s ICCID command; two modems carry different SIMs', async () => {
    const a = wire(new SimulatedModem({ name: 'a' }));
    const b = wire(new SimulatedModem({ name: 'b' }));
    await a.send('ATE0\r');
    await b.send('ATE0\r');
    const imsiA = /^\r\n(\d{15})\r\n\r\nOK\r\n$/.exec(await a.send('AT+CIMI\r'))?.[1];
    const imsiB = /^\r\n(\d{15})\r\n\r\nOK\r\n$/.exec(await b.send('AT+CIMI\r'))?.[1];
    expect(imsiA).toMatch(/^00101/);
    expect(imsiB).toMatch(/^00101/);
    expect(imsiA).not.toBe(imsiB);
    expect(await a.send('AT+CCID\r')).toMatch(/^\r\n89\d{17}F\r\n\r\nOK\r\n$/);
  });

  it.each([
    ['quectel', 'AT+QCCID', '+QCCID: '],
    ['huawei', 'AT^ICCID?', '^ICCID: '],
    ['simcom-sim7600', 'AT+CICCID', '+ICCID: '],
  ] as const)('%s reads the ICCID with %s', async (personality, command, label) => {
    const w = wire(new SimulatedModem({ personality, iccid: '8931440400012345678', periodicUrcs: false }));
    await w.send('ATE0\r');
    expect(await w.send(`${command}\r`)).toContain(`${label}8931440400012345678`);
    expect(await w.send('AT+CCID\r')).not.toContain('8931440400012345678');
  });

  it('refuses AT+CIMI with imsi "", and both while the SIM wants its PIN', async () => {
    const noImsi = wire(new SimulatedModem({ imsi: '' }));
    await noImsi.send('ATE0;+CMEE=1\r');
    expect(await noImsi.send('AT+CIMI\r')).toBe('\r\n+CME ERROR: 4\r\n');
    const locked = wire(new SimulatedModem({ pin: '1234' }));
    await locked.send('ATE0;+CMEE=1\r');
    expect(await locked.send('AT+CIMI\r')).toBe('\r\n+CME ERROR: 11\r\n');
  });
});

describe('simulator: TP-MR and status report timing', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('counts TP-MR from 0 again after a power cycle', async () => {
    const sim = new SimulatedModem();
    const w = wire(sim);
    const send = async (): Promise<string> => {
      await w.send('ATE0\r');
      await w.send(`AT+CMGS=${part!.tpduLength}\r`);
      return w.send(`${part!.hex}\x1a`);
    };
    expect(await send()).toContain('+CMGS: 0');
    expect(await send()).toContain('+CMGS: 1');
    sim.reboot();
    await vi.advanceTimersByTimeAsync(0);
    expect(await send()).toContain('+CMGS: 0');
  });

  it('reports the TP-ST it is given, after a delay drawn from a range (same seed, same delays)', async () => {
    const delays = async (seed: number): Promise<number[]> => {
      const sim = new SimulatedModem({ deliveryReports: 0x46, deliveryReportDelayMs: [0, 5], seed });
      const w = wire(sim);
      const sentAt: number[] = [];
      const out: number[] = [];
      sim.on('status-report', (r: { status: number; pdu: string }) => {
        expect(r.status).toBe(0x46);
        expect(decodePdu(r.pdu, { smscIncluded: true })).toMatchObject({ type: 'status-report', status: 0x46 });
        out.push(Date.now() - sentAt[out.length]!);
      });
      await w.send('ATE0;+CNMI=2,1,0,1,0\r');
      for (let i = 0; i < 8; i++) {
        await w.send(`AT+CMGS=${part!.tpduLength}\r`);
        sentAt.push(Date.now());
        await w.send(`${part!.hex}\x1a`);
        await vi.advanceTimersByTimeAsync(10);
      }
      return out;
    };
    const first = await delays(3);
    expect(first).toHaveLength(8);
    expect(first.every((d) => d >= 0 && d <= 5)).toBe(true);
    expect(new Set(first).size).toBeGreaterThan(1);
    expect(await delays(3)).toEqual(first);
  });

  it('injects a report for a given reference, routed per AT+CNMI', async () => {
    const sim = new SimulatedModem();
    const w = wire(sim);
    await w.send('ATE0;+CNMI=2,1,0,1,0\r');
    sim.injectStatusReport({ mr: 42, to: '+31628870634', status: 0x21 });
    await vi.advanceTimersByTimeAsync(0);
    const pdu = /\+CDS: \d+\r\n([0-9A-F]+)/.exec(w.take())?.[1] ?? '';
    expect(decodePdu(pdu, { smscIncluded: true })).toMatchObject({ messageReference: 42, recipient: '+31628870634', status: 0x21, outcome: 'pending' });
  });
});
