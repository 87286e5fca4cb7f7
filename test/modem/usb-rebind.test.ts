import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readAuthorized, rebindUsb, usbDeviceOf } from '../../src/modem/usb-rebind.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { fakeTree } from './fake-sysfs.js';

describe('USB re-bind through sysfs (a fake tree)', () => {
  let tmp: Awaited<ReturnType<typeof makeTmpDir>> | undefined;
  afterEach(async () => tmp?.cleanup());

  it('finds the USB device of a usb-serial tty (through a by-id link) and of a cdc-acm tty; none for a UART', async () => {
    tmp = await makeTmpDir();
    const t = await fakeTree(tmp.dir);
    const byId = join(t.dev, 'serial/by-id/usb-Quectel_EG25-G-if02-port0');
    expect(await usbDeviceOf(byId, t.sys)).toEqual({ device: t.usb, iface: join(t.usb, '1-1.3:1.2') });
    expect((await usbDeviceOf(join(t.dev, 'ttyACM0'), t.sys))?.device).toMatch(/1-1\.4$/);
    expect(await usbDeviceOf(join(t.dev, 'ttyAMA0'), t.sys)).toBeUndefined();
    expect(await usbDeviceOf('/dev/pts/7', t.sys)).toBeUndefined();
  });

  it('writes authorized 0, then 1 after the pause, on the device (not the interface)', async () => {
    tmp = await makeTmpDir();
    const t = await fakeTree(tmp.dir);
    const port = join(t.dev, 'serial/by-id/usb-Quectel_EG25-G-if02-port0');
    const during = rebindUsb(port, { sysRoot: t.sys, pauseMs: 200 });
    await new Promise((r) => setTimeout(r, 100));
    expect(await readAuthorized(port, t.sys)).toBe('0');
    expect(await during).toEqual({ done: true, how: 'authorized 0/1 on USB device 1-1.3' });
    expect(await readAuthorized(port, t.sys)).toBe('1');
    expect((await readFile(join(t.usb, '1-1.3:1.2', 'authorized'), 'utf8')).trim()).toBe('1');
    expect(await readFile(join(t.driver, 'unbind'), 'utf8')).toBe('');
  });

  it('falls back to the driver unbind/bind of the interface where authorized cannot be written', async () => {
    tmp = await makeTmpDir();
    const t = await fakeTree(tmp.dir, { authorized: false });
    const outcome = await rebindUsb(join(t.dev, 'ttyUSB2'), { sysRoot: t.sys, pauseMs: 10 });
    expect(outcome).toEqual({ done: true, how: 'option unbind/bind of interface 1-1.3:1.2' });
    expect(await readFile(join(t.driver, 'unbind'), 'utf8')).toBe('1-1.3:1.2');
    expect(await readFile(join(t.driver, 'bind'), 'utf8')).toBe('1-1.3:1.2');
  });

  it('says why not: no USB device, or nothing it may write', async () => {
    tmp = await makeTmpDir();
    const t = await fakeTree(tmp.dir, { authorized: false, bind: false });
    expect(await rebindUsb(join(t.dev, 'ttyAMA0'), { sysRoot: t.sys })).toEqual({ done: false, reason: `${join(t.dev, 'ttyAMA0')} is not a USB device` });
    const outcome = await rebindUsb(join(t.dev, 'ttyUSB2'), { sysRoot: t.sys });
    expect(outcome.done).toBe(false);
    expect(outcome).toMatchObject({ reason: expect.stringMatching(/no write access to .*1-1\.3\/authorized/) });
  });

  it('authorizes the device again even when the session closes during the pause', async () => {
    tmp = await makeTmpDir();
    const t = await fakeTree(tmp.dir);
    const stop = new AbortController();
    const during = rebindUsb(join(t.dev, 'ttyUSB2'), { sysRoot: t.sys, pauseMs: 10_000, signal: stop.signal });
    await new Promise((r) => setTimeout(r, 50));
    stop.abort();
    await expect(during).rejects.toThrow(/cancelled/);
    expect(await readAuthorized(join(t.dev, 'ttyUSB2'), t.sys)).toBe('1');
  });
});
