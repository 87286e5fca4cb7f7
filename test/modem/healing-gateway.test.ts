import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { modemComponents } from '../../src/modem-workers.js';
import { exposeOnPty, hang, SimulatedModem } from '../../src/simulator/index.js';
import { startGateway } from '../../src/start-gateway.js';
import { until } from '../helpers/modem-harness.js';
import { hasPtyRelay } from '../helpers/sim-on-pty.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

describe.skipIf(!hasPtyRelay)('the healing ladder in a running gateway (a real pty)', () => {
  const undo: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const u of undo.splice(0).reverse()) await u();
  });

  it('a hung modem: each step is a modem.state event and a metric, and it is ready again after AT+CFUN=1,1', async () => {
    const tmp = await makeTmpDir();
    undo.push(tmp.cleanup);
    const sim = new SimulatedModem({ name: 'm', periodicUrcs: false });
    undo.push(() => sim.dispose());
    const pty = await exposeOnPty(sim, join(tmp.dir, 'ttyUSB0'));
    undo.push(() => pty.close());
    hang(sim);
    const config = parseConfig({ port: 0, dataDir: join(tmp.dir, 'data'), modems: [{ name: 'm', path: pty.path, healing: { silentAfter: 1, rebootWaitMs: 1_000, usbRebind: false } }] });
    const g = await startGateway(config, createLogger('silent'), modemComponents({ sysRoot: join(tmp.dir, 'sys') }));
    undo.push(() => g.close());
    const read = async (): Promise<Array<Record<string, unknown>>> => (await g.parts.queue.events.read(0, { types: ['modem.state'], limit: 1000 })).events.map((e) => e.data as Record<string, unknown>);
    await until(async () => (await read()).at(-1)?.state === 'ready', 40_000, 'ready after the ladder');
    const events = await read();
    const steps = events.filter((e) => e.recovery !== undefined).map((e) => e.recovery);
    expect([...new Set(steps)]).toEqual(['reopen', 'reboot']);
    expect(events.find((e) => e.recovery === 'reboot')).toMatchObject({ name: 'm', lastError: expect.stringMatching(/AT\+CFUN=1,1/) });
    expect(events.at(-1)).toMatchObject({ state: 'ready', recovered: true });
    expect(events.at(-1)!.recovery).toBeUndefined();
    expect(sim.counters.reboots).toBe(1);
    const metrics = (await g.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('katar_modem_recoveries_total{modem="m",step="reopen"} 1\n');
    expect(metrics).toContain('katar_modem_recoveries_total{modem="m",step="reboot"} 1\n');
    expect(metrics).toContain('katar_modem_recoveries_total{modem="m",step="usb-rebind"} 0\n');
    expect(metrics).toContain('katar_modem_recoveries_total{modem="m",step="failed"} 0\n');
  }, 60_000);
});
