import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtinDrivers } from '../../drivers/index.js';
import { listPorts, modemHint } from '../../src/cli/port-list.js';
import { ports } from '../../src/cli/ports.js';
import { scanDevLinks, scanSysfsTty } from '../../src/cli/sysfs-ports.js';
import type { CliIo } from '../../src/cli/io.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

/** Writes sysfs attribute files into `dir`. */
async function attrs(dir: string, values: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [k, v] of Object.entries(values)) await writeFile(join(dir, k), `${v}\n`);
}

/** `<sys>/class/tty/<name>/device` -> `target` (relative link, like the kernel's). */
async function tty(sys: string, name: string, target?: string): Promise<void> {
  const dir = join(sys, 'class', 'tty', name);
  await mkdir(dir, { recursive: true });
  if (target) {
    await mkdir(target, { recursive: true });
    await symlink(relative(dir, target), join(dir, 'device'));
  }
}

async function link(path: string, target: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await symlink(target, path);
}

/**
 * A Raspberry Pi with a SIM7600 (ttyUSB0-4 on interfaces 00-04, option driver), a ZTE
 * stick on cdc_acm, the PL011 UART, a PC-style serial8250 placeholder and a virtual console.
 */
async function fakeMachine(root: string): Promise<{ sys: string; dev: string }> {
  const sys = join(root, 'sys');
  const dev = join(root, 'dev');
  const usb = join(sys, 'devices/platform/soc/3f980000.usb/usb1/1-1/1-1.3');
  await attrs(usb, { idVendor: '1E0E', idProduct: '9001', manufacturer: 'SimTech, Incorporated', product: 'SimTech, Incorporated', serial: '0123456789ABCDEF' });
  await mkdir(join(sys, 'bus/usb-serial/drivers/option1'), { recursive: true });
  for (const i of [0, 2]) {
    const intf = join(usb, `1-1.3:1.${i}`);
    await attrs(intf, { bInterfaceNumber: `0${i}` });
    const port = join(intf, `ttyUSB${i}`);
    await tty(sys, `ttyUSB${i}`, port);
    await symlink(relative(port, join(sys, 'bus/usb-serial/drivers/option1')), join(port, 'driver'));
  }
  const zte = join(sys, 'devices/platform/soc/3f980000.usb/usb1/1-1/1-1.4');
  await attrs(zte, { idVendor: '19d2', idProduct: '0117', manufacturer: 'ZTE,Incorporated', product: 'ZTE WCDMA Technologies MSM' });
  await attrs(join(zte, '1-1.4:1.1'), { bInterfaceNumber: '01' });
  await tty(sys, 'ttyACM0', join(zte, '1-1.4:1.1'));
  await tty(sys, 'ttyAMA0', join(sys, 'devices/platform/soc/3f201000.serial'));
  await tty(sys, 'ttyS5', join(sys, 'devices/platform/serial8250'));
  await tty(sys, 'tty1');
  await link(join(dev, 'serial/by-id/usb-SimTech__Incorporated_SimTech__Incorporated_0123456789ABCDEF-if02-port0'), '../../ttyUSB2');
  await link(join(dev, 'katar-modem0'), 'ttyUSB2');
  return { sys, dev };
}

function capture(): CliIo & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', env: {}, out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

const udevadmMissing = (): Promise<never> => Promise.reject(Object.assign(new Error('spawn udevadm ENOENT'), { code: 'ENOENT' }));

describe('serial ports from sysfs', () => {
  let tmp: Awaited<ReturnType<typeof makeTmpDir>>;
  let machine: { sys: string; dev: string };
  beforeEach(async () => {
    tmp = await makeTmpDir();
    machine = await fakeMachine(tmp.dir);
  });
  afterEach(() => tmp.cleanup());

  it('reads each serial tty with the ids of its USB parent, skipping virtual ttys and serial8250 placeholders', async () => {
    const found = await scanSysfsTty(machine.sys, machine.dev);
    expect(found.map((t) => t.path)).toEqual(['ttyACM0', 'ttyAMA0', 'ttyUSB0', 'ttyUSB2'].map((n) => join(machine.dev, n)));
    expect(found.find((t) => t.path.endsWith('ttyUSB2'))).toEqual({
      path: join(machine.dev, 'ttyUSB2'),
      vendorId: '1e0e',
      productId: '9001',
      manufacturer: 'SimTech, Incorporated',
      product: 'SimTech, Incorporated',
      serialNumber: '0123456789ABCDEF',
      interfaceNumber: '02',
      driver: 'option1',
    });
    expect(found.find((t) => t.path.endsWith('ttyAMA0'))).toEqual({ path: join(machine.dev, 'ttyAMA0') });
  });

  it('reads the by-id names and the katar udev names from /dev', async () => {
    const links = await scanDevLinks(machine.dev);
    expect(links.byId.get('ttyUSB2')).toMatch(/-if02-port0$/);
    expect(links.aliases.get('ttyUSB2')).toEqual([join(machine.dev, 'katar-modem0')]);
  });

  it('gives an empty list where there is no sysfs', async () => {
    expect(await scanSysfsTty(join(tmp.dir, 'nowhere'))).toEqual([]);
  });

  it('falls back to sysfs when serialport cannot run udevadm, and marks the likely modems', async () => {
    const listing = await listPorts({ listSerial: udevadmMissing, drivers: builtinDrivers, sysRoot: machine.sys, devDir: machine.dev });
    expect(listing.source).toBe('sysfs');
    expect(listing.warning).toMatch(/ENOENT/);
    const byPath = new Map(listing.ports.map((p) => [p.path.replace(`${machine.dev}/`, ''), p]));
    expect(byPath.get('ttyUSB2')).toMatchObject({ likelyModem: 'simcom-sim7600: SIM7600 family', aliases: [join(machine.dev, 'katar-modem0')] });
    expect(byPath.get('ttyUSB2')?.pnpId).toMatch(/^usb-SimTech/);
    expect(byPath.get('ttyACM0')?.likelyModem).toBe('made by ZTE');
    expect(byPath.get('ttyAMA0')?.likelyModem).toBeUndefined();
  });

  it("keeps serialport's fields and adds what only sysfs knows", async () => {
    const listSerial = async () => [{ path: join(machine.dev, 'ttyUSB2'), manufacturer: 'SimTech', vendorId: '1e0e', productId: '9001', pnpId: 'from-udev' }];
    const listing = await listPorts({ listSerial, drivers: builtinDrivers, sysRoot: machine.sys, devDir: machine.dev });
    expect(listing.source).toBe('serialport');
    expect(listing.warning).toBeUndefined();
    expect(listing.ports.find((p) => p.path.endsWith('ttyUSB2'))).toMatchObject({ manufacturer: 'SimTech', pnpId: 'from-udev', interfaceNumber: '02', serialNumber: '0123456789ABCDEF' });
  });

  it('marks a port by a driver\u2019s USB ids before the maker name', () => {
    expect(modemHint({ vendorId: '2C7C', productId: '0125' }, builtinDrivers)).toBe('quectel: EC25 / EG25-G');
    expect(modemHint({ manufacturer: 'Quectel' }, builtinDrivers)).toBe('made by Quectel');
    expect(modemHint({ manufacturer: 'FTDI' }, builtinDrivers)).toBeUndefined();
  });

  it('prints ports with their ids, notes and stable names; --json gives the list', async () => {
    const io = capture();
    const deps = { listSerial: udevadmMissing, sysRoot: machine.sys, devDir: machine.dev };
    expect(await ports([], io, deps)).toBe(0);
    expect(io.stdout).toContain(`${join(machine.dev, 'ttyUSB2')}  likely modem (simcom-sim7600: SIM7600 family)`);
    expect(io.stdout).toMatch(/usb +: 1e0e:9001 \(interface 02, driver option1\)/);
    expect(io.stdout).toMatch(/stable name +: .*katar-modem0 \(katar udev rule\)/);
    expect(io.stdout).toMatch(/katar-sms probe --modem PATH/);
    expect(io.stderr).toMatch(/udevadm missing/);
    const json = capture();
    expect(await ports(['--json'], json, deps)).toBe(0);
    expect(JSON.parse(json.stdout)).toHaveLength(4);
  });

  it('says so when there are no ports', async () => {
    const io = capture();
    expect(await ports([], io, { listSerial: async () => [], sysRoot: join(tmp.dir, 'none'), devDir: join(tmp.dir, 'none') })).toBe(0);
    expect(io.stdout).toMatch(/No serial ports found/);
  });
});
