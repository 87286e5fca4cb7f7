import { describe, expect, it } from 'vitest';
import { isKatarError } from '../../src/errors.js';
import { SimulatedModem } from '../../src/simulator/index.js';
import { flush, wire } from './wire.js';

describe('faults', () => {
  it('unplug: the link closes with an error, writes fail, link() fails until replug', async () => {
    const sim = new SimulatedModem();
    const w = wire(sim);
    let closedWith: unknown = 'not closed';
    w.port.on('close', (err?: Error) => (closedWith = err));
    sim.unplug();
    await flush();
    expect(isKatarError(closedWith, 'MODEM_CLOSED')).toBe(true);
    expect(w.port.isOpen).toBe(false);
    await expect(w.port.write('AT\r')).rejects.toSatisfy((e) => isKatarError(e, 'MODEM_CLOSED'));
    expect(() => sim.link()).toThrow(/unplugged/);
  });

  it('replug: a new link works, the modem rebooted (boot URCs, echo on, settings lost)', async () => {
    const sim = new SimulatedModem({ personality: 'simcom-sim800' });
    const before = wire(sim);
    await before.send('ATE0;+CMEE=1;+CNMI=2,2,0,1,0\r');
    sim.unplug();
    sim.replug();
    const w = wire(sim);
    await flush();
    expect(w.take()).toBe('\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n');
    expect(await w.send('AT+CNMI?\r')).toBe('AT+CNMI?\r\r\n+CNMI: 2,1,0,0,0\r\n\r\nOK\r\n');
  });

  it('reboot: boot URCs on the same link and an in-flight send is lost', async () => {
    const sim = new SimulatedModem({ sendLatencyMs: 50 });
    const w = wire(sim);
    await w.send('ATE0\r');
    await w.send('AT+CMGS=24\r');
    await w.send('0001000B917228001011F100000CC8329BFD065DDF72363904\x1a');
    sim.reboot();
    await flush();
    expect(w.take()).toBe('\r\nRDY\r\n\r\n+CPIN: READY\r\n');
    await new Promise((r) => setTimeout(r, 80));
    expect(w.take()).toBe('');
    expect(sim.sent).toEqual([]);
    expect(sim.counters.reboots).toBe(1);
    expect(await w.send('AT\r')).toBe('AT\r\r\nOK\r\n');
  });

  it('AT+CFUN=1,1 reboots after OK', async () => {
    const sim = new SimulatedModem();
    const w = wire(sim);
    await w.send('ATE0\r');
    expect(await w.send('AT+CFUN=1,1\r')).toBe('\r\nOK\r\n\r\nRDY\r\n\r\n+CPIN: READY\r\n');
  });

  it('silent: input is read and recorded, nothing answered', async () => {
    const sim = new SimulatedModem();
    const w = wire(sim);
    sim.setSilent(true);
    expect(await w.send('AT\r')).toBe('');
    sim.injectUrc('RING');
    await flush();
    expect(w.take()).toBe('');
    expect(sim.commands).toEqual(['AT']);
    sim.setSilent(false);
    expect(await w.send('AT\r')).toBe('AT\r\r\nOK\r\n');
  });

  it('garbage: raw bytes on the wire', async () => {
    const sim = new SimulatedModem();
    const w = wire(sim);
    sim.injectGarbage(Buffer.from([0xff, 0x00, 0x41, 0x0d, 0x0a]));
    await flush();
    expect(Buffer.from(w.take(), 'latin1')).toEqual(Buffer.from([0xff, 0x00, 0x41, 0x0d, 0x0a]));
    sim.injectGarbage();
    await flush();
    expect(w.take().length).toBeGreaterThan(0);
  });

  it('network: no service gives CSQ 99,99, COPS without operator and +CREG URCs when enabled', async () => {
    const sim = new SimulatedModem();
    const w = wire(sim);
    await w.send('ATE0;+CREG=2\r');
    expect(await w.send('AT+CREG?\r')).toBe('\r\n+CREG: 2,1,"1A2B","01C2D3E4"\r\n\r\nOK\r\n');
    sim.setNetwork('none');
    await flush();
    expect(w.take()).toBe('\r\n+CREG: 0\r\n');
    expect(await w.send('AT+CSQ\r')).toBe('\r\n+CSQ: 99,99\r\n\r\nOK\r\n');
    expect(await w.send('AT+COPS?\r')).toBe('\r\n+COPS: 0\r\n\r\nOK\r\n');
    sim.setNetwork('denied');
    await flush();
    expect(w.take()).toBe('\r\n+CREG: 3\r\n');
    await w.send('AT+CREG=1\r');
    sim.setNetwork('roaming');
    await flush();
    expect(w.take()).toBe('\r\n+CREG: 5\r\n');
  });

  it('URCs between commands, inside a response, and between prompt and result', async () => {
    const sim = new SimulatedModem();
    const w = wire(sim);
    await w.send('ATE0\r');
    sim.injectUrc('RING');
    await flush();
    expect(w.take()).toBe('\r\nRING\r\n');
    sim.injectUrcInNextResponse('+CMTI: "SM",3');
    expect(await w.send('AT+CSQ\r')).toBe('\r\n+CSQ: 20,99\r\n\r\n+CMTI: "SM",3\r\n\r\nOK\r\n');
    expect(await w.send('AT+CMGS=24\r')).toBe('\r\n> ');
    sim.injectUrcInNextResponse('+ZPASR: "UMTS"');
    expect(await w.send('0001000B917228001011F100000CC8329BFD065DDF72363904\x1a')).toBe(
      '\r\n+CMGS: 0\r\n\r\n+ZPASR: "UMTS"\r\n\r\nOK\r\n',
    );
  });
});
