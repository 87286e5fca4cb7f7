/** A fake sysfs and /dev for the USB re-bind (test/modem/usb-rebind.test.ts, healing.test.ts). */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A fake sysfs + /dev in a temporary directory, laid out as on a Pi 4 with a Quectel EC25:
 * ttyUSB2 is a usb-serial port under interface 1-1.3:1.2 of USB device 1-1.3, driver
 * `option`; ttyACM0 is a cdc-acm interface of 1-1.4; ttyAMA0 is the Pi's own UART.
 * Every attribute write is recorded by reading the file back.
 */
export async function fakeTree(root: string, opts: { authorized?: boolean; bind?: boolean } = {}): Promise<{ sys: string; dev: string; usb: string; driver: string }> {
  const sys = join(root, 'sys');
  const dev = join(root, 'dev');
  const usb = join(sys, 'devices/platform/scb/fd500000.pcie/pci0000:00/0000:00:00.0/0000:01:00.0/usb1/1-1/1-1.3');
  const iface = join(usb, '1-1.3:1.2');
  const driver = join(sys, 'bus/usb/drivers/option');
  await mkdir(join(iface, 'ttyUSB2'), { recursive: true });
  await mkdir(driver, { recursive: true });
  await mkdir(join(sys, 'class/tty'), { recursive: true });
  await mkdir(join(dev, 'serial/by-id'), { recursive: true });
  await writeFile(join(usb, 'idVendor'), '2c7c\n');
  await writeFile(join(usb, '..', 'idVendor'), '2109\n'); // the hub above: not the modem
  if (opts.authorized !== false) await writeFile(join(usb, 'authorized'), '1\n');
  await writeFile(join(iface, 'bInterfaceNumber'), '02\n');
  await writeFile(join(iface, 'authorized'), '1\n'); // interfaces have one too: not the device's
  await symlink(driver, join(iface, 'driver'));
  if (opts.bind !== false) {
    await writeFile(join(driver, 'bind'), '');
    await writeFile(join(driver, 'unbind'), '');
  }
  await mkdir(join(sys, 'class/tty/ttyUSB2'));
  await symlink(join(iface, 'ttyUSB2'), join(sys, 'class/tty/ttyUSB2/device'));
  // cdc-acm: the tty's device is the interface itself.
  const acm = join(sys, 'devices/platform/usb1/1-1/1-1.4');
  await mkdir(join(acm, '1-1.4:1.0'), { recursive: true });
  await writeFile(join(acm, 'idVendor'), '1e0e\n');
  await writeFile(join(acm, 'authorized'), '1\n');
  await writeFile(join(acm, '1-1.4:1.0', 'bInterfaceNumber'), '00\n');
  await mkdir(join(sys, 'class/tty/ttyACM0'));
  await symlink(join(acm, '1-1.4:1.0'), join(sys, 'class/tty/ttyACM0/device'));
  // The Pi's UART: a platform device, no USB parent.
  await mkdir(join(sys, 'devices/platform/soc/fe201000.serial/tty/ttyAMA0'), { recursive: true });
  await mkdir(join(sys, 'class/tty/ttyAMA0'));
  await symlink(join(sys, 'devices/platform/soc/fe201000.serial'), join(sys, 'class/tty/ttyAMA0/device'));
  for (const n of ['ttyUSB2', 'ttyACM0', 'ttyAMA0']) await writeFile(join(dev, n), '');
  await symlink('../../ttyUSB2', join(dev, 'serial/by-id/usb-Quectel_EG25-G-if02-port0'));
  return { sys, dev, usb, driver };
}

