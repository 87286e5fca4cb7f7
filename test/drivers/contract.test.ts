/**
 * The driver contract suite: the same checks for every built-in driver, run
 * against its simulator personality always, and against a real modem when
 * KATAR_TEST_MODEM names its device (e.g. /dev/ttyUSB2; optional KATAR_TEST_MODEM_PIN).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { builtinDrivers, genericDriver } from '../../drivers/index.js';
import { decodePdu, encodeSubmit } from '../../src/modem/pdu/index.js';
import { openSerialPort } from '../../src/modem/serial-port.js';
import { ModemSession } from '../../src/modem/session/session.js';
import type { ModemDriver } from '../../src/modem/driver.js';
import type { PersonalityName } from '../../src/simulator/index.js';
import { personalities } from '../../src/simulator/index.js';
import { rig, settle, startUntil, rigLifecycle } from '../modem/session-harness.js';
import type { Rig } from '../modem/session-harness.js';

/** Every driver and the simulator personality of the same family: one name for both. */
const pairs: Array<[string, PersonalityName]> = builtinDrivers.map((d) => [d.name, d.name as PersonalityName]);

function driverNamed(name: string): ModemDriver {
  const d = builtinDrivers.find((x) => x.name === name);
  if (!d) throw new Error(`no driver ${name}`);
  return d;
}

describe('driver list', () => {
  it('names are unique and generic comes last', () => {
    const names = builtinDrivers.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    expect(builtinDrivers.at(-1)).toBe(genericDriver);
  });

  it('every family has one name: a driver and a simulator personality of that name', () => {
    expect(Object.keys(personalities).sort()).toEqual(builtinDrivers.map((d) => d.name).sort());
    for (const [name, p] of Object.entries(personalities)) expect(p.name).toBe(name);
  });

  it.each(pairs)('%s is the first match for the %s identity, and no other family claims it', (name, personality) => {
    const { ati: _ati, ...identity } = personalities[personality].identity;
    expect(builtinDrivers.find((d) => d.matches(identity))?.name).toBe(name);
    const claims = builtinDrivers.filter((d) => d !== genericDriver && d.matches(identity)).map((d) => d.name);
    expect(claims).toEqual(name === 'generic' ? [] : [name]);
  });

  it.each(builtinDrivers.map((d) => [d.name, d] as const))('%s: init commands are plain AT commands, USB ids are hex', (_n, d) => {
    for (const c of d.initCommands ?? []) expect(c).toMatch(/^AT[ -~]+$/);
    for (const u of d.usb ?? []) expect(`${u.vendorId}:${u.productId}`).toMatch(/^[0-9a-f]{4}:[0-9a-f]{4}$/);
  });
});

describe.each(pairs)('driver contract: %s on the simulated %s', (name, personality) => {
  let r: Rig | undefined;
  rigLifecycle(() => r, () => (r = undefined));

  it('initialises to ready with this driver', async () => {
    r = rig({ personality, periodicUrcs: false });
    await startUntil(r, 'ready');
    expect(r.session.driverName).toBe(name);
    expect(r.session.identity?.manufacturer).not.toBe('');
    for (const c of driverNamed(name).initCommands ?? []) expect(r.sim.commands).toContain(c);
  });

  it('the same driver can be forced by name', async () => {
    r = rig({ personality: 'generic' }, { driver: name });
    await startUntil(r, 'ready');
    expect(r.session.driverName).toBe(name);
  });

  it('health: signal in dBm, registered', async () => {
    r = rig({ personality, periodicUrcs: false, rssi: 31 });
    await startUntil(r, 'ready');
    await vi.advanceTimersByTimeAsync(10);
    expect(r.session.lastHealth).toMatchObject({ signalDbm: -51, registration: 'home' });
  });

  it('sends, receives, reads, lists and deletes', async () => {
    r = rig({ personality, periodicUrcs: false });
    const stored: Array<{ storage: string; index: number }> = [];
    r.session.on('stored', (s) => stored.push(s));
    await startUntil(r, 'ready');
    const [part] = encodeSubmit({ to: '+31612345678', text: 'contract' });
    await expect(settle(r.session.submit(part?.hex ?? '', part?.tpduLength ?? 0, async () => {}))).resolves.toHaveProperty('mr');
    expect(r.sim.sentMessages()[0]?.text).toBe('contract');
    r.sim.injectIncoming({ from: '+31612345678', text: 'incoming' });
    await vi.advanceTimersByTimeAsync(10);
    expect(stored).toHaveLength(1);
    const where = stored[0] ?? { storage: '', index: -1 };
    const msg = await settle(r.session.read(where.storage, where.index));
    expect(decodePdu(msg?.pdu ?? '', { smscIncluded: true })).toMatchObject({ text: 'incoming' });
    expect((await settle(r.session.list())).map((m) => m.index)).toEqual([where.index]);
    await settle(r.session.remove(where.storage, where.index));
    expect(await settle(r.session.list())).toEqual([]);
  });

  it('re-initialises after a reboot', async () => {
    r = rig({ personality });
    await startUntil(r, 'ready');
    r.sim.reboot();
    await vi.advanceTimersByTimeAsync(15_000);
    expect(r.session.state).toBe('ready');
    expect(r.sim.settings.echo).toBe(false);
    expect(r.sim.settings.cnmi[1]).toBe(1);
  });
});

const device = process.env.KATAR_TEST_MODEM;

describe('driver contract: real modem', () => {
  if (!device) {
    it.skip('set KATAR_TEST_MODEM=/dev/ttyUSBx to run the contract against a real modem', () => {});
    return;
  }
  let session: ModemSession | undefined;
  afterEach(async () => {
    await session?.close();
  });

  it(`initialises ${device}, samples health, lists storage`, { timeout: 180_000 }, async () => {
    session = new ModemSession({
      name: 'real',
      drivers: builtinDrivers,
      openPort: () => openSerialPort({ path: device }),
      pin: process.env.KATAR_TEST_MODEM_PIN,
    });
    const health = new Promise((resolve) => session?.once('health', resolve));
    await session.start();
    await session.whenReady();
    expect(session.driverName).toBeDefined();
    expect(session.identity?.model).not.toBe('');
    await expect(health).resolves.toHaveProperty('registration');
    expect(Array.isArray(await session.list())).toBe(true);
  });
});
