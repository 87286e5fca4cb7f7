import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { modemComponents } from '../../src/modem-workers.js';
import { exposeOnPty, SimulatedModem, swapSim, type PtyExposure, type SimModemOptions } from '../../src/simulator/index.js';
import { startGateway, type RunningGateway } from '../../src/start-gateway.js';
import { until } from '../helpers/modem-harness.js';
import { hasPtyRelay } from '../helpers/sim-on-pty.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const A = '353325110000019';
const B = '353325110000027';

/** Two simulated modems on real ptys under a fake /dev, and a gateway that knows them by IMEI or path. */
describe.skipIf(!hasPtyRelay)('modem identity over real ptys (serialport)', () => {
  const undo: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const u of undo.splice(0).reverse()) await u();
  });

  async function setup(aOpts: SimModemOptions = {}): Promise<{ dir: string; dev: string; a: SimulatedModem; b: SimulatedModem; ptyA: PtyExposure; ptyB: PtyExposure }> {
    const tmp = await makeTmpDir();
    undo.push(tmp.cleanup);
    const dev = join(tmp.dir, 'dev');
    await mkdir(join(dev, 'serial/by-id'), { recursive: true });
    const a = new SimulatedModem({ name: 'a', imei: A, periodicUrcs: false, ...aOpts });
    const b = new SimulatedModem({ name: 'b', imei: B, periodicUrcs: false });
    undo.push(() => a.dispose(), () => b.dispose());
    const ptyA = await exposeOnPty(a, join(dev, 'serial/by-id/usb-Katar_SIM-GENERIC_0001-if02-port0'));
    undo.push(() => ptyA.close());
    const ptyB = await exposeOnPty(b, join(dev, 'ttyUSB3'));
    undo.push(() => ptyB.close());
    return { dir: tmp.dir, dev, a, b, ptyA, ptyB };
  }

  async function gateway(dir: string, dev: string, modems: unknown[]): Promise<RunningGateway> {
    const config = parseConfig({ port: 0, dataDir: join(dir, 'data'), modems });
    const g = await startGateway(config, createLogger('silent'), modemComponents({ devDir: dev, sysRoot: join(dir, 'sys') }));
    undo.push(() => g.close());
    return g;
  }

  const state = (g: RunningGateway, name: string): string | undefined => g.parts.modems.all().find((m) => m.name === name)?.state;
  const stateEvents = async (g: RunningGateway): Promise<Array<Record<string, unknown>>> => (await g.parts.queue.events.read(0, { types: ['modem.state'], limit: 10_000 })).events.map((e) => e.data as Record<string, unknown>);

  it('a modem named by IMEI is found, and found again under another by-id name after re-enumeration, keeping its name and its status reports', async () => {
    // Reports come only when the test injects them: one for a send from before the move.
    const s = await setup({ deliveryReports: 'none' });
    const g = await gateway(s.dir, s.dev, [
      { name: 'alpha', imei: A },
      { name: 'beta', path: s.ptyB.path },
    ]);
    await until(() => state(g, 'alpha') === 'ready' && state(g, 'beta') === 'ready', 20_000, 'both ready');
    const [sent] = await g.parts.intake.submit('sms', [{ to: '+61404341143', msg: 'before the USB reset', via: 'alpha' }]);
    const id = sent!.task._id;
    await until(async () => (await g.parts.queue.get('sms', id)).status === 'done', 20_000, 'sent by alpha');
    const mr = s.a.sent[0]!.mr;
    const betaCommands = s.b.commands.length;
    // Heard through the board's events, not by polling: losing and finding the modem again
    // can both happen between two polls of a loaded machine.
    let lost = false;
    g.parts.modems.on('modem', (h) => {
      if (h.name === 'alpha' && h.state !== 'ready') lost = true;
    });
    await s.ptyA.moveTo(join(s.dev, 'serial/by-id/usb-Katar_SIM-GENERIC_0002-if02-port0'));
    await until(() => lost, 10_000, 'alpha lost');
    await until(() => state(g, 'alpha') === 'ready', 30_000, 'alpha found again');
    const moved = join(s.dev, 'serial/by-id/usb-Katar_SIM-GENERIC_0002-if02-port0');
    const readBook = async (): Promise<{ modems: Record<string, { imei: string; path?: string }> }> => JSON.parse(await readFile(join(s.dir, 'data', 'modem-identities.json'), 'utf8'));
    await until(async () => (await readBook()).modems.alpha?.path === moved, 5_000, 'the new place recorded');
    const book = await readBook();
    expect(book.modems.alpha).toMatchObject({ imei: A, path: join(s.dev, 'serial/by-id/usb-Katar_SIM-GENERIC_0002-if02-port0') });
    expect(book.modems.beta).toMatchObject({ imei: B, path: s.ptyB.path });
    // The search never touched beta's port: every command beta saw since is its own session's.
    expect(s.b.commands.slice(betaCommands).filter((c) => c === 'AT+CGSN' || c === 'ATI')).toEqual([]);
    const alpha = (await stateEvents(g)).filter((e) => e.name === 'alpha');
    expect(alpha.at(-1)).toMatchObject({ state: 'ready', recovered: true });
    // The same name and SIM: the report that arrives now still finds its send.
    s.a.injectStatusReport({ mr, to: '+61404341143', status: 0 });
    await until(async () => (await g.parts.queue.get('sms', id)).delivery?.status === 'delivered', 10_000, 'the report matched after the move');
  }, 60_000);

  it('another SIM in a known modem is announced live and across a restart, by ICCID tails only', async () => {
    const s = await setup();
    const modems = [{ name: 'alpha', path: s.ptyA.path }];
    let g = await gateway(s.dir, s.dev, modems);
    await until(() => state(g, 'alpha') === 'ready', 20_000, 'ready');
    const first = s.a.simCard.iccid;
    const second = swapSim(s.a).iccid;
    const tail = (iccid: string): string => `…${iccid.replace(/F+$/i, '').slice(-4)}`;
    await until(async () => (await stateEvents(g)).some((e) => e.simChanged === true), 20_000, 'SIM change announced');
    expect((await stateEvents(g)).find((e) => e.simChanged)).toMatchObject({ name: 'alpha', previousIccid: tail(first), iccid: tail(second) });
    await g.close();

    const third = swapSim(s.a).iccid; // while the gateway is down
    g = await gateway(s.dir, s.dev, modems);
    await until(async () => (await stateEvents(g)).filter((e) => e.simChanged === true).length === 2, 20_000, 'SIM change after the restart');
    const changes = (await stateEvents(g)).filter((e) => e.simChanged);
    expect(changes[1]).toMatchObject({ name: 'alpha', state: 'ready', previousIccid: tail(second), iccid: tail(third) });
    const text = JSON.stringify(await stateEvents(g));
    for (const iccid of [first, second, third]) expect(text).not.toContain(iccid.replace(/F+$/i, ''));
    // The same SIM again after another restart: nothing announced.
    await g.close();
    g = await gateway(s.dir, s.dev, modems);
    await until(() => state(g, 'alpha') === 'ready', 20_000, 'ready');
    await new Promise((r) => setTimeout(r, 300));
    expect((await stateEvents(g)).filter((e) => e.simChanged)).toHaveLength(2);
  }, 60_000);

  it('a gateway that finds no modem with the IMEI reports it disconnected, naming the IMEI', async () => {
    const s = await setup();
    await writeFile(join(s.dev, 'ttyUSB9'), ''); // not a tty: opening fails, and is skipped
    const g = await gateway(s.dir, s.dev, [{ name: 'gamma', imei: '353325110000035' }]);
    await until(() => state(g, 'gamma') === 'disconnected', 20_000, 'disconnected');
    expect(g.parts.modems.all().find((m) => m.name === 'gamma')?.lastError).toMatch(/no modem with IMEI 353325110000035/);
  }, 60_000);
});
