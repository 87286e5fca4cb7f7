/**
 * Step 3 of the healing ladder (session/healing-ladder.ts): make the kernel drop and
 * re-attach the USB device behind a modem's tty, as a replug would, without touching it.
 *
 * The tty's USB device is found through sysfs: `/sys/class/tty/<name>/device` leads to the
 * port (usb-serial: `.../1-1/1-1:1.2/ttyUSB2`) or the interface (cdc-acm:
 * `.../1-1/1-1:1.0`); the first directory above it with `idVendor` is the USB device.
 * Two ways, the first that this process may write:
 *
 * 1. the device's `authorized` attribute, 0 then 1 (Documentation/usb/authorization.rst):
 *    every interface is unbound and probed again, so the ttys come back, perhaps renumbered;
 * 2. the interface driver's `unbind` then `bind`, with the interface name (`1-1:1.2`).
 *
 * Neither needs a capability: sysfs checks the file mode, and the udev rule in deploy/
 * hands the service's group write access to `authorized` of known modems only. The sysfs
 * root is a parameter so that tests run on a fake tree in a temporary directory.
 */
import { constants } from 'node:fs';
import { access, readFile, realpath, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { sleep } from './backoff.js';
import type { UsbRebindOutcome } from './session/healing-ladder.js';

/** Where to look and how long to leave the device de-authorised. */
export interface UsbRebindOptions {
  /** Default `/sys`. */
  sysRoot?: string;
  /** Between 0 and 1 (and between unbind and bind). Default 1 000 ms. */
  pauseMs?: number;
  signal?: AbortSignal;
}

/** The sysfs directories of a tty's USB device and interface. */
export interface UsbDeviceDirs {
  /** The USB device (`.../usb1/1-1`): `idVendor`, `authorized`. */
  device: string;
  /** The USB interface the tty belongs to (`.../1-1/1-1:1.2`), when there is one. */
  iface?: string;
}

/** The USB device and interface behind `portPath` (a /dev node or a link to one); undefined if it is no USB tty. */
export async function usbDeviceOf(portPath: string, sysRoot = '/sys'): Promise<UsbDeviceDirs | undefined> {
  const node = await realpath(portPath).catch(() => portPath);
  const start = await realpath(join(sysRoot, 'class', 'tty', basename(node), 'device')).catch(() => undefined);
  if (start === undefined) return undefined;
  const top = await realpath(sysRoot).catch(() => sysRoot);
  let iface: string | undefined;
  for (let dir = start; dir.startsWith(top) && dir !== top; dir = dirname(dir)) {
    if (iface === undefined && (await exists(join(dir, 'bInterfaceNumber')))) iface = dir;
    if (await exists(join(dir, 'idVendor'))) return { device: dir, ...(iface && { iface }) };
  }
  return undefined;
}

/** De-authorises and re-authorises (or unbinds and binds) the USB device behind `portPath`. */
export async function rebindUsb(portPath: string, opts: UsbRebindOptions = {}): Promise<UsbRebindOutcome> {
  const dirs = await usbDeviceOf(portPath, opts.sysRoot);
  if (!dirs) return { done: false, reason: `${portPath} is not a USB device` };
  const pause = (): Promise<void> => sleep(opts.pauseMs ?? 1_000, opts.signal);
  const authorized = join(dirs.device, 'authorized');
  if (await writable(authorized)) {
    await writeFile(authorized, '0');
    try {
      await pause();
    } finally {
      // Never leave the device de-authorised, not even when the session closes meanwhile.
      await writeFile(authorized, '1');
    }
    return { done: true, how: `authorized 0/1 on USB device ${basename(dirs.device)}` };
  }
  const driver = dirs.iface && (await realpath(join(dirs.iface, 'driver')).catch(() => undefined));
  if (dirs.iface && driver && (await writable(join(driver, 'unbind'))) && (await writable(join(driver, 'bind')))) {
    const name = basename(dirs.iface);
    await writeFile(join(driver, 'unbind'), name);
    try {
      await pause();
    } finally {
      await writeFile(join(driver, 'bind'), name);
    }
    return { done: true, how: `${basename(driver)} unbind/bind of interface ${name}` };
  }
  return { done: false, reason: `no write access to ${authorized} (deploy/99-katar-modem.rules grants it for known modems)` };
}

/** The `authorized` value of the USB device behind `portPath` ('1', '0'), for diagnostics and tests. */
export async function readAuthorized(portPath: string, sysRoot = '/sys'): Promise<string | undefined> {
  const dirs = await usbDeviceOf(portPath, sysRoot);
  if (!dirs) return undefined;
  return (await readFile(join(dirs.device, 'authorized'), 'utf8').catch(() => undefined))?.trim();
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function writable(path: string): Promise<boolean> {
  return access(path, constants.W_OK).then(
    () => true,
    () => false,
  );
}
