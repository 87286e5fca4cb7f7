/**
 * Serial ports read straight from sysfs, for machines where serialport's Linux listing
 * cannot run (it spawns `udevadm`, missing in containers and minimal images). Roots are
 * parameters so that tests run against a fake tree in a temporary directory.
 */
import { readdir, readFile, readlink, realpath } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** One tty with the attributes of its USB parent, when it has one. */
export interface SysfsTty {
  /** Device node, e.g. `/dev/ttyUSB2`. */
  path: string;
  vendorId?: string;
  productId?: string;
  manufacturer?: string;
  product?: string;
  serialNumber?: string;
  /** `bInterfaceNumber` of the USB interface (a modem exposes several; one speaks AT). */
  interfaceNumber?: string;
  /** Kernel driver of the port (option, qcserial, cdc_acm...). */
  driver?: string;
}

/** Symlinks in /dev that name ttys: `/dev/serial/by-id/*` and the udev rule's `/dev/katar-modem*`. */
export interface DevLinks {
  /** tty name (`ttyUSB2`) -> its by-id name (serialport's `pnpId`). */
  byId: Map<string, string>;
  /** tty name -> `/dev/katar-modem*` links pointing at it. */
  aliases: Map<string, string[]>;
}

// The same families serialport's Linux listing accepts.
const SERIAL_TTY = /^(ttyS|ttyWCH|ttyACM|ttyUSB|ttyAMA|ttyMFD|ttyO|ttyXRUSB|rfcomm)/;

/** Lists the serial ttys under `<sysRoot>/class/tty`, named as nodes under `devDir`. */
export async function scanSysfsTty(sysRoot = '/sys', devDir = '/dev'): Promise<SysfsTty[]> {
  const classDir = join(sysRoot, 'class', 'tty');
  const names = (await readdir(classDir).catch(() => [] as string[])).filter((n) => SERIAL_TTY.test(n)).sort();
  const top = await realpath(sysRoot).catch(() => sysRoot);
  const out: SysfsTty[] = [];
  for (const name of names) {
    const device = await realpath(join(classDir, name, 'device')).catch(() => undefined);
    // No device link: a virtual tty. serial8250 holds the legacy placeholders (ttyS0-31) of PCs.
    if (device === undefined || /\/serial8250(\/|$)/.test(device)) continue;
    const tty: SysfsTty = { path: join(devDir, name) };
    const driver = await realpath(join(device, 'driver')).catch(() => undefined);
    if (driver) tty.driver = basename(driver);
    await readUsbParent(device, top, tty);
    out.push(tty);
  }
  return out;
}

/** Walks up from the port's device to the USB interface and the USB device above it. */
async function readUsbParent(device: string, top: string, tty: SysfsTty): Promise<void> {
  for (let dir = device; dir.startsWith(top) && dir !== top; dir = dirname(dir)) {
    if (tty.interfaceNumber === undefined) {
      const ifNum = await attr(dir, 'bInterfaceNumber');
      if (ifNum !== undefined) tty.interfaceNumber = ifNum;
    }
    const vendorId = await attr(dir, 'idVendor');
    if (vendorId === undefined) continue;
    tty.vendorId = vendorId.toLowerCase();
    const productId = await attr(dir, 'idProduct');
    if (productId !== undefined) tty.productId = productId.toLowerCase();
    for (const key of ['manufacturer', 'product', 'serial'] as const) {
      const value = await attr(dir, key);
      if (value !== undefined) tty[key === 'serial' ? 'serialNumber' : key] = value;
    }
    return;
  }
}

async function attr(dir: string, name: string): Promise<string | undefined> {
  const text = await readFile(join(dir, name), 'utf8').catch(() => undefined);
  const value = text?.trim();
  return value ? value : undefined;
}

/** Reads `/dev/serial/by-id` and `/dev/katar-modem*`; targets need not exist. */
export async function scanDevLinks(devDir = '/dev'): Promise<DevLinks> {
  const links: DevLinks = { byId: new Map(), aliases: new Map() };
  const byIdDir = join(devDir, 'serial', 'by-id');
  for (const name of await readdir(byIdDir).catch(() => [] as string[])) {
    const target = await linkTarget(byIdDir, name);
    if (target) links.byId.set(target, name);
  }
  for (const name of (await readdir(devDir).catch(() => [] as string[])).filter((n) => n.startsWith('katar-modem')).sort()) {
    const target = await linkTarget(devDir, name);
    if (target) links.aliases.set(target, [...(links.aliases.get(target) ?? []), join(devDir, name)]);
  }
  return links;
}

async function linkTarget(dir: string, name: string): Promise<string | undefined> {
  const target = await readlink(join(dir, name)).catch(() => undefined);
  return target === undefined ? undefined : basename(resolve(dir, target));
}
