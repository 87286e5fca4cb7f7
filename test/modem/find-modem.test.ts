import { mkdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { candidatePorts, ModemFinder, readImei } from '../../src/modem/find-modem.js';
import type { ModemPort } from '../../src/modem/port.js';
import { hang, SimulatedModem } from '../../src/simulator/index.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const A = '353325110000019';
const B = '353325110000027';

/** A /dev in a temporary directory whose nodes are simulated modems (by real path). */
async function fakeDev(dir: string): Promise<{ dev: string; sims: Map<string, SimulatedModem>; opened: string[]; open: (p: string) => Promise<ModemPort>; plug(node: string, sim: SimulatedModem, byId?: string): Promise<void>; unplug(node: string): Promise<void> }> {
  const dev = join(dir, 'dev');
  await mkdir(join(dev, 'serial/by-id'), { recursive: true });
  const sims = new Map<string, SimulatedModem>();
  const opened: string[] = [];
  return {
    dev,
    sims,
    opened,
    async open(p) {
      opened.push(p);
      const sim = sims.get(await realpath(p).catch(() => p));
      if (!sim) throw new Error(`${p}: no such device`);
      return sim.link();
    },
    async plug(node, sim, byId) {
      await writeFile(join(dev, node), '');
      sims.set(await realpath(join(dev, node)), sim);
      if (byId) await symlink(`../../${node}`, join(dev, 'serial/by-id', byId));
    },
    async unplug(node) {
      sims.delete(await realpath(join(dev, node)));
      await rm(join(dev, node));
    },
  };
}

describe('finding a modem by its IMEI', () => {
  let tmp: Awaited<ReturnType<typeof makeTmpDir>> | undefined;
  const sims: SimulatedModem[] = [];
  afterEach(async () => {
    for (const s of sims.splice(0)) s.dispose();
    await tmp?.cleanup();
  });
  const sim = (imei: string, name: string): SimulatedModem => {
    const s = new SimulatedModem({ imei, name, periodicUrcs: false });
    sims.push(s);
    return s;
  };

  it('lists by-id names first, then ttyUSB and ttyACM in numeric order, one per device', async () => {
    tmp = await makeTmpDir();
    const d = await fakeDev(tmp.dir);
    for (const n of ['ttyUSB10', 'ttyUSB2', 'ttyACM0', 'ttyS0', 'tty1']) await writeFile(join(d.dev, n), '');
    await symlink('../../ttyUSB10', join(d.dev, 'serial/by-id/usb-Quectel_EG25-G-if02-port0'));
    await symlink('../../ttyUSB99', join(d.dev, 'serial/by-id/usb-dangling-if00-port0'));
    expect((await candidatePorts(d.dev)).map((c) => c.path.slice(d.dev.length + 1))).toEqual(['serial/by-id/usb-Quectel_EG25-G-if02-port0', 'ttyUSB2', 'ttyACM0']);
  });

  it('reads the IMEI with AT+CGSN, with echo on; ATI where AT+CGSN is refused (Huawei prints IMEI: there)', async () => {
    const s = sim(A, 'a');
    expect(await readImei(s.link(), 200)).toBe(A);
    const h = new SimulatedModem({ personality: 'huawei', imei: B, periodicUrcs: false });
    sims.push(h);
    h.override('identification', (c, ctx) => (c.name === '+CGSN' ? { kind: 'final', lines: [], error: { type: 'error' } } : undefined) ?? (c.name === 'I' ? { kind: 'final', lines: ctx.personality.identity.ati.map((l) => l.replace(ctx.personality.identity.imei, B)) } : undefined));
    expect(await readImei(h.link(), 200)).toBe(B);
    hang(s);
    expect(await readImei(s.link(), 100)).toBeUndefined();
  });

  it('finds it among several ports, never probes a port another modem holds, and tries the last place first', async () => {
    tmp = await makeTmpDir();
    const d = await fakeDev(tmp.dir);
    await d.plug('ttyUSB0', sim(B, 'b'));
    await d.plug('ttyUSB1', sim(A, 'a'));
    await d.plug('ttyUSB2', sim(B, 'b2'));
    const busy = new Set([await realpath(join(d.dev, 'ttyUSB2'))]);
    const finder = new ModemFinder({ imei: A, open: d.open, devDir: d.dev, busy: () => busy, probeTimeoutMs: 100 });
    const port = await finder.open();
    expect(finder.lastPath).toBe(join(d.dev, 'ttyUSB1'));
    expect(d.opened).toEqual([join(d.dev, 'ttyUSB0'), join(d.dev, 'ttyUSB1')]);
    await port.close();
    d.opened.length = 0;
    await (await finder.open()).close();
    expect(d.opened).toEqual([join(d.dev, 'ttyUSB1')]);
  });

  it('after re-enumeration under another number and by-id name it is found again', async () => {
    tmp = await makeTmpDir();
    const d = await fakeDev(tmp.dir);
    const a = sim(A, 'a');
    await d.plug('ttyUSB1', a, 'usb-Katar_SIM-GENERIC_0001-if02-port0');
    const finder = new ModemFinder({ imei: A, open: d.open, devDir: d.dev, probeTimeoutMs: 100 });
    await (await finder.open()).close();
    expect(finder.lastPath).toBe(join(d.dev, 'serial/by-id/usb-Katar_SIM-GENERIC_0001-if02-port0'));
    await d.unplug('ttyUSB1');
    await d.plug('ttyUSB4', a, 'usb-Katar_SIM-GENERIC_0002-if02-port0');
    await (await finder.open()).close();
    expect(finder.lastPath).toBe(join(d.dev, 'serial/by-id/usb-Katar_SIM-GENERIC_0002-if02-port0'));
  });

  it('a modem that hangs where it was last found is handed out anyway (the healing ladder needs its port); nowhere: MODEM_CLOSED', async () => {
    tmp = await makeTmpDir();
    const d = await fakeDev(tmp.dir);
    const a = sim(A, 'a');
    await d.plug('ttyUSB1', a);
    await d.plug('ttyUSB2', sim(B, 'b'));
    const finder = new ModemFinder({ imei: A, open: d.open, devDir: d.dev, probeTimeoutMs: 100 });
    await (await finder.open()).close();
    hang(a);
    const port = await finder.open();
    expect(port.path).toBe('sim:a');
    await port.close();
    await d.unplug('ttyUSB1');
    await expect(finder.open()).rejects.toMatchObject({ code: 'MODEM_CLOSED', message: expect.stringMatching(new RegExp(`no modem with IMEI ${A} on 1 serial port\\(s\\); last seen on .*ttyUSB1`)) });
  });
});
