import { afterEach, describe, expect, it, vi } from 'vitest';
import { SimulatedModem } from '../../src/simulator/index.js';
import { serviceCentreNow } from '../../src/simulator/settings.js';
import { flush, wire } from './wire.js';

/** The simulator shares the gateway's process under `npm start`: its bugs must stay inside it. */
describe('simulator faults are contained', () => {
  afterEach(() => vi.useRealTimers());

  it('a behaviour that throws answers ERROR, announces a fault, and the modem goes on', async () => {
    const sim = new SimulatedModem();
    sim.use({ name: 'broken', match: (c) => c.name === '+CBROKEN', handle: () => { throw new Error('bug in a behaviour'); } });
    const faults: Error[] = [];
    sim.on('fault', (err: Error) => faults.push(err));
    const w = wire(sim);
    expect(await w.send('AT+CBROKEN\r')).toMatch(/ERROR\r\n$/);
    expect(faults.map((e) => e.message)).toEqual(['bug in a behaviour']);
    expect(await w.send('AT\r')).toMatch(/OK\r\n$/);
  });

  it('a scheduled piece of work that throws (a status report, a URC) is contained too', async () => {
    const sim = new SimulatedModem();
    const faults: Error[] = [];
    sim.on('fault', (err: Error) => faults.push(err));
    wire(sim);
    sim.ctx.schedule(0, () => {
      throw new Error('late bug');
    });
    await flush();
    expect(faults.map((e) => e.message)).toEqual(['late bug']);
  });

  it('stamps its service-centre time within what a PDU can carry when the host clock reads 1970', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('1970-01-01T00:00:00Z'));
    expect(serviceCentreNow().getUTCFullYear()).toBe(1990);
    vi.setSystemTime(new Date('2026-12-01T10:00:00Z'));
    expect(serviceCentreNow().toISOString()).toBe('2026-12-01T10:00:00.000Z');
  });
});
