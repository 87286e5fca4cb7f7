import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SimulatedModem } from '../../src/simulator/index.js';
import { flush, wire } from './wire.js';

describe('SIM PIN state machine', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  async function locked(opts: { simBusyMs?: number } = {}) {
    const sim = new SimulatedModem({ pin: '1234', simBusyMs: opts.simBusyMs ?? 0 });
    const w = wire(sim);
    await w.send('ATE0;+CMEE=1\r');
    return { sim, w };
  }

  it('reports SIM PIN and blocks SMS commands with +CME ERROR: 11', async () => {
    const { w } = await locked();
    expect(await w.send('AT+CPIN?\r')).toBe('\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n');
    expect(await w.send('AT+CMGF=0\r')).toBe('\r\n+CME ERROR: 11\r\n');
    // Commands that need no SIM still work.
    expect(await w.send('AT+CGMI\r')).toBe('\r\nKatar\r\n\r\nOK\r\n');
  });

  it('correct PIN: OK, then +CME ERROR: 14 for simBusyMs, then READY with URC', async () => {
    const { sim, w } = await locked({ simBusyMs: 7000 });
    expect(await w.send('AT+CPIN="1234"\r')).toBe('\r\nOK\r\n');
    expect(sim.simStatus()).toBe('busy');
    expect(await w.send('AT+CSCA?\r')).toBe('\r\n+CME ERROR: 14\r\n');
    expect(await w.send('AT+CPIN?\r')).toBe('\r\n+CME ERROR: 14\r\n');
    await vi.advanceTimersByTimeAsync(7000);
    expect(w.take()).toBe('\r\n+CPIN: READY\r\n');
    expect(await w.send('AT+CSCA?\r')).toBe('\r\n+CSCA: "+31624000000",145\r\n\r\nOK\r\n');
  });

  it('three wrong PINs -> +CME ERROR: 16 each, then SIM PUK; PUK + new PIN unlocks', async () => {
    const { sim, w } = await locked();
    for (let i = 0; i < 3; i++) expect(await w.send('AT+CPIN="0000"\r')).toBe('\r\n+CME ERROR: 16\r\n');
    expect(await w.send('AT+CPIN?\r')).toBe('\r\n+CPIN: SIM PUK\r\n\r\nOK\r\n');
    expect(await w.send('AT+CMGL=4\r')).toBe('\r\n+CME ERROR: 12\r\n');
    expect(await w.send('AT+CPIN="1234"\r')).toBe('\r\n+CME ERROR: 16\r\n');
    // With simBusyMs 0 the READY URC follows the OK at once.
    expect(await w.send('AT+CPIN="12345678","4321"\r')).toBe('\r\nOK\r\n\r\n+CPIN: READY\r\n');
    expect(sim.simStatus()).toBe('ready');
    expect(sim.simCard.pin).toBe('4321');
  });

  it('PIN is asked again after a reboot', async () => {
    const { sim, w } = await locked();
    await w.send('AT+CPIN="1234"\r');
    await flush();
    sim.reboot();
    await flush();
    expect(w.take()).toBe('\r\nRDY\r\n\r\n+CPIN: SIM PIN\r\n');
    expect(await w.send('AT+CPIN?\r')).toBe('AT+CPIN?\r\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n');
  });

  it('no SIM: +CME ERROR: 10; SIM failure: 13', async () => {
    const sim = new SimulatedModem();
    const w = wire(sim);
    await w.send('ATE0;+CMEE=1\r');
    sim.setSimFault('absent');
    expect(await w.send('AT+CPIN?\r')).toBe('\r\n+CME ERROR: 10\r\n');
    expect(await w.send('AT+CMGS=10\r')).toBe('\r\n+CME ERROR: 10\r\n');
    sim.setSimFault('failure');
    expect(await w.send('AT+CPIN?\r')).toBe('\r\n+CME ERROR: 13\r\n');
    sim.setSimFault('none');
    expect(await w.send('AT+CPIN?\r')).toBe('\r\n+CPIN: READY\r\n\r\nOK\r\n');
  });

  it('SIM800 announces Call Ready / SMS Ready once the SIM is unlocked', async () => {
    const sim = new SimulatedModem({ personality: 'simcom-sim800', pin: '1111', simBusyMs: 3000 });
    const w = wire(sim);
    await w.send('ATE0\r');
    await w.send('AT+CPIN=1111\r');
    await vi.advanceTimersByTimeAsync(3000);
    expect(w.take()).toBe('\r\n+CPIN: READY\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n');
  });

  it('Wavecom-like personality: +CPIN: READY without OK', async () => {
    const w = wire(new SimulatedModem({ personality: { name: 'wavecom-like', cpinWithoutOk: true } }));
    await w.send('ATE0\r');
    expect(await w.send('AT+CPIN?\r')).toBe('\r\n+CPIN: READY\r\n');
    expect(await w.send('AT\r')).toBe('\r\nOK\r\n');
  });
});
