import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodePdu, encodeSubmit } from '../../src/modem/pdu/index.js';
import { SimulatedModem, type SimModemOptions } from '../../src/simulator/index.js';
import { wire } from './wire.js';

const [withSrr] = encodeSubmit({ to: '+31628870634', text: 'report me', requestStatusReport: true });
const [withoutSrr] = encodeSubmit({ to: '+31628870634', text: 'no report' });

async function sendOne(opts: SimModemOptions, cnmi: string, pdu = withSrr) {
  if (!pdu) throw new Error('no pdu');
  const sim = new SimulatedModem({ deliveryReportDelayMs: 6000, ...opts });
  const w = wire(sim);
  await w.send(`ATE0;+CMEE=1;+CNMI=${cnmi}\r`);
  await w.send(`AT+CMGS=${pdu.tpduLength}\r`);
  expect(await w.send(`${pdu.hex}\x1a`)).toBe('\r\n+CMGS: 0\r\n\r\nOK\r\n');
  return { sim, w };
}

describe('status reports', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ds=1: +CDS: <len> and the report PDU with the same MR, after the delay', async () => {
    const { sim, w } = await sendOne({}, '2,1,0,1,0');
    await vi.advanceTimersByTimeAsync(5999);
    expect(w.take()).toBe('');
    await vi.advanceTimersByTimeAsync(1);
    const m = /^\r\n\+CDS: (\d+)\r\n([0-9A-F]+)\r\n$/.exec(w.take());
    const pdu = m?.[2] ?? '';
    expect(Number(m?.[1])).toBe(pdu.length / 2 - 1 - parseInt(pdu.slice(0, 2), 16));
    expect(decodePdu(pdu, { smscIncluded: true })).toMatchObject({ type: 'status-report', messageReference: 0, recipient: '+31628870634', status: 0 });
    expect(sim.counters.statusReports).toBe(1);
  });

  it('ds=2: stored in SR and announced +CDSI: "SR",<i>; readable after CPMS="SR"', async () => {
    const { w } = await sendOne({}, '2,1,0,2,0');
    await vi.advanceTimersByTimeAsync(6000);
    expect(w.take()).toBe('\r\n+CDSI: "SR",1\r\n');
    await w.send('AT+CPMS="SR"\r');
    const m = /^\r\n\+CMGR: 0,,\d+\r\n([0-9A-F]+)\r\n\r\nOK\r\n$/.exec(await w.send('AT+CMGR=1\r'));
    expect(decodePdu(m?.[1] ?? '', { smscIncluded: true })).toMatchObject({ type: 'status-report', messageReference: 0 });
  });

  it('Quectel EC25 bug: stored in SR but announced as "SM"', async () => {
    const { sim, w } = await sendOne({ personality: 'quectel' }, '2,1,0,2,0');
    await vi.advanceTimersByTimeAsync(6000);
    expect(w.take()).toBe('\r\n+CDSI: "SM",1\r\n');
    expect(sim.storage.memory('SR').used).toBe(1);
    expect(sim.storage.memory('SM').used).toBe(0);
  });

  it('failed delivery carries a permanent-error TP-ST', async () => {
    const { w } = await sendOne({ deliveryReports: 'failed' }, '2,1,0,1,0');
    await vi.advanceTimersByTimeAsync(6000);
    const pdu = /\r\n([0-9A-F]+)\r\n$/.exec(w.take())?.[1] ?? '';
    expect(decodePdu(pdu, { smscIncluded: true })).toMatchObject({ status: 0x43, outcome: 'failed' });
  });

  it('no report without TP-SRR, with deliveryReports "none", or with ds=0', async () => {
    for (const [opts, cnmi, pdu] of [
      [{}, '2,1,0,1,0', withoutSrr],
      [{ deliveryReports: 'none' }, '2,1,0,1,0', withSrr],
      [{}, '2,1,0,0,0', withSrr],
    ] as const) {
      const { w } = await sendOne(opts, cnmi, pdu);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(w.take()).toBe('');
    }
  });
});
