import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clearHang, exposeOnPty, hang, isHung, SimulatedModem, startControlApi, swapSim, type ControlApi } from '../../src/simulator/index.js';
import { hasPtyRelay } from '../helpers/sim-on-pty.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { flush, wire } from './wire.js';

async function post(url: string, body: unknown): Promise<number> {
  return (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).status;
}

describe('field faults of the simulated modem', () => {
  let api: ControlApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('a hang answers nothing (input still recorded) until AT+CFUN=1,1, which it then runs: OK, reboot, boot URCs', async () => {
    const sim = new SimulatedModem();
    const w = wire(sim);
    await w.send('ATE0\r');
    hang(sim);
    expect(isHung(sim)).toBe(true);
    expect(await w.send('AT\r')).toBe('');
    expect(await w.send('AT+CFUN=1\r')).toBe('');
    expect(await w.send('AT+CFUN=1,1\r')).toBe('\r\nOK\r\n\r\nRDY\r\n\r\n+CPIN: READY\r\n');
    expect(isHung(sim)).toBe(false);
    expect(sim.counters.reboots).toBe(1);
    expect(sim.commands).toEqual(['ATE0', 'AT', 'AT+CFUN=1', 'AT+CFUN=1,1']);
    expect(await w.send('AT\r')).toBe('AT\r\r\nOK\r\n'); // echo back on after the restart
  });

  it("a hang 'never' ignores AT+CFUN=1,1; a replug (power cut) or clearHang ends it", async () => {
    const sim = new SimulatedModem();
    let w = wire(sim);
    hang(sim, 'never');
    expect(await w.send('AT+CFUN=1,1\r')).toBe('');
    expect(sim.counters.reboots).toBe(0);
    sim.unplug();
    sim.replug();
    expect(isHung(sim)).toBe(false);
    w = wire(sim);
    await flush();
    expect(await w.send('AT\r')).toBe('AT\r\r\nOK\r\n');
    hang(sim, 'never');
    clearHang(sim);
    expect(await w.send('AT\r')).toBe('AT\r\r\nOK\r\n');
  });

  it('a SIM swap: another IMSI and ICCID after a restart, the IMEI unchanged; each modem its own IMEI', async () => {
    const sim = new SimulatedModem({ name: 'a', imei: '353325110000019', iccid: '8900101000012345678F', imsi: '001010000012345' });
    const w = wire(sim);
    await w.send('ATE0\r');
    expect(swapSim(sim)).toEqual({ imsi: '001010000012346', iccid: '8900101000012345679F' });
    await flush();
    expect(w.take()).toBe('\r\nRDY\r\n\r\n+CPIN: READY\r\n');
    await w.send('ATE0\r');
    expect(await w.send('AT+CCID\r')).toBe('\r\n8900101000012345679F\r\n\r\nOK\r\n');
    expect(await w.send('AT+CGSN\r')).toBe('\r\n353325110000019\r\n\r\nOK\r\n');
    swapSim(sim, { imsi: '001019999999999', iccid: '8931440400012345678', pin: '4321' });
    await flush();
    await w.send('ATE0\r');
    expect(await w.send('AT+CPIN?\r')).toBe('\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n');
    const huawei = new SimulatedModem({ personality: 'huawei', imei: '353325110000027', periodicUrcs: false });
    const hw = wire(huawei);
    await hw.send('ATE0\r');
    expect(await hw.send('ATI\r')).toContain('IMEI: 353325110000027');
  });

  it('the control API: hang, hang until never, hang off, sim-swap; the state shows them', async () => {
    const sim = new SimulatedModem();
    const w = wire(sim);
    await w.send('ATE0\r');
    api = await startControlApi(sim, 0);
    expect(await post(`${api.url}/fault`, { kind: 'hang' })).toBe(200);
    expect(await w.send('AT\r')).toBe('');
    expect(((await (await fetch(`${api.url}/state`)).json()) as { hung: boolean }).hung).toBe(true);
    expect(await post(`${api.url}/fault`, { kind: 'hang', until: 'soon' })).toBe(400);
    expect(await post(`${api.url}/fault`, { kind: 'hang', on: false })).toBe(200);
    expect(await w.send('AT\r')).toBe('\r\nOK\r\n');
    const before = sim.simCard.iccid;
    expect(await post(`${api.url}/fault`, { kind: 'sim-swap', iccid: '8931440400012345678' })).toBe(200);
    const state = (await (await fetch(`${api.url}/state`)).json()) as { card: { iccid: string }; imei: string };
    expect(state.card.iccid).toBe('8931440400012345678');
    expect(state.card.iccid).not.toBe(before);
    expect(state.imei).toBe('490154203237518');
    expect(await post(`${api.url}/reenumerate`, { path: '/tmp/ttyUSB9' })).toBe(400); // not on a pty
  });
});

describe.skipIf(!hasPtyRelay)('re-enumeration of a simulated modem on a pty', () => {
  let tmp: Awaited<ReturnType<typeof makeTmpDir>> | undefined;
  afterEach(async () => tmp?.cleanup());

  it('moveTo: the old path vanishes, the modem comes back under the new one, freshly booted', async () => {
    tmp = await makeTmpDir();
    const sim = new SimulatedModem({ name: 'a' });
    const pty = await exposeOnPty(sim, join(tmp.dir, 'ttyUSB1'));
    try {
      await pty.moveTo(join(tmp.dir, 'ttyUSB4'));
      expect(pty.path).toBe(join(tmp.dir, 'ttyUSB4'));
      expect(existsSync(join(tmp.dir, 'ttyUSB1'))).toBe(false);
      expect(existsSync(join(tmp.dir, 'ttyUSB4'))).toBe(true);
      expect(sim.counters.unplugs).toBe(1);
      const control = await startControlApi(sim, 0, { moveTo: (p) => pty.moveTo(p) });
      try {
        expect(await post(`${control.url}/reenumerate`, { path: join(tmp.dir, 'serial-by-id-link') })).toBe(200);
        expect(pty.path).toBe(join(tmp.dir, 'serial-by-id-link'));
        expect(existsSync(join(tmp.dir, 'ttyUSB4'))).toBe(false);
        expect(await post(`${control.url}/reenumerate`, { path: 'relative' })).toBe(400);
      } finally {
        await control.close();
      }
    } finally {
      await pty.close();
      sim.dispose();
    }
  });
});
