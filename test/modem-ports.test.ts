/**
 * The built-in simulated modem as ModemPorts reaches it: on one box each simulated modem
 * is its own device, and in a fleet each box's modem0 carries its own SIM and IMEI, so
 * that status reports (matched by the sending modem's name and SIM) cannot cross boxes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { ModemPorts, type ReachedModem } from '../src/modem-ports.js';
import { captureLogger } from './helpers/memory-event-log.js';
import { makeTmpDir } from './helpers/tmp-dir.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

interface SimState {
  imei: string;
  card: { imsi: string; iccid: string };
}

/** Reaches modem `name` (simulated) as a box with `fleetBox` would, and reads its identity through the control API. */
async function simulatedIdentity(name: string, fleetBox?: string): Promise<SimState> {
  const tmp = await makeTmpDir();
  cleanups.push(tmp.cleanup);
  const ports = await ModemPorts.open(tmp.dir);
  const m = parseConfig({ modems: [{ name, path: 'sim' }] }).modems[0]!;
  const { logger, lines } = captureLogger();
  const reached: ReachedModem = await ports.reach(m, logger, fleetBox);
  cleanups.push(() => reached.close());
  const control = lines.map((l) => (JSON.parse(l) as { control?: string }).control).find(Boolean)!;
  return (await (await fetch(`${control}/state`)).json()) as SimState;
}

describe('ModemPorts: the simulated modem', () => {
  it('on one box: the simulator default, the same at every start', async () => {
    const a = await simulatedIdentity('modem0');
    expect(a.imei).toBe('490154203237518');
    expect(await simulatedIdentity('modem0')).toEqual(a);
  });

  it('in a fleet: each box its own SIM and IMEI for the same modem name, the same again at the next start', async () => {
    const single = await simulatedIdentity('modem0');
    const a = await simulatedIdentity('modem0', 'box-a');
    const b = await simulatedIdentity('modem0', 'box-b');
    expect(new Set([single.card.imsi, a.card.imsi, b.card.imsi]).size).toBe(3);
    expect(new Set([single.card.iccid, a.card.iccid, b.card.iccid]).size).toBe(3);
    expect(new Set([single.imei, a.imei, b.imei]).size).toBe(3);
    for (const s of [a, b]) {
      expect(s.imei).toMatch(/^\d{15}$/);
      expect(s.card.imsi).toMatch(/^00101\d{10}$/);
    }
    expect(await simulatedIdentity('modem0', 'box-a')).toEqual(a);
  });
});
