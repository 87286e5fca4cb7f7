import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { builtinDrivers } from '../../drivers/index.js';
import { UsageError } from '../../src/cli/args.js';
import type { CliIo } from '../../src/cli/io.js';
import { parseCpmsRead, parseCsca } from '../../src/cli/probe-answers.js';
import { probeModem } from '../../src/cli/probe-modem.js';
import { formatProbeReport, probe } from '../../src/cli/probe.js';
import { SimulatedModem, type SimModemOptions } from '../../src/simulator/index.js';

function capture(): CliIo & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', env: {}, out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

const sims: SimulatedModem[] = [];
function simulated(opts: SimModemOptions = {}): SimulatedModem {
  const sim = new SimulatedModem(opts);
  sims.push(sim);
  return sim;
}

afterEach(() => {
  vi.useRealTimers();
  for (const s of sims.splice(0)) s.dispose();
});

describe('katar-sms probe', () => {
  it('prints what the simulated modem is, like gammu identify', async () => {
    const io = capture();
    expect(await probe(['--modem', 'sim'], io)).toBe(0);
    expect(io.stdout).toMatch(/^Device +: sim \(built-in simulated modem, generic\)$/m);
    expect(io.stdout).toMatch(/^Manufacturer +: Katar$/m);
    expect(io.stdout).toMatch(/^Model +: SIM-GENERIC$/m);
    expect(io.stdout).toMatch(/^Revision +: KSIM 1\.0\.0$/m);
    expect(io.stdout).toMatch(/^IMEI +: 490154203237518$/m);
    expect(io.stdout).toMatch(/^SIM +: ready$/m);
    expect(io.stdout).toMatch(/^Operator +: Katar Mobile$/m);
    expect(io.stdout).toMatch(/^Registration +: home$/m);
    expect(io.stdout).toMatch(/^Signal +: -73 dBm \(4\/4 bars\)$/m);
    expect(io.stdout).toMatch(/^SMSC +: \+31624000000$/m);
    expect(io.stdout).toMatch(/^SMS storage +: ME 0\/50$/m);
    expect(io.stdout).toMatch(/^Driver +: generic$/m);
    expect(io.stderr).toBe('');
  });

  it('names the driver that matches a personality; --json gives the report', async () => {
    const io = capture();
    expect(await probe(['--modem', 'sim:simcom-sim7600', '--json'], io)).toBe(0);
    const report = JSON.parse(io.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ answered: true, state: 'ready', driver: 'simcom-sim7600', identity: { model: 'SIMCOM_SIM7600G-H' }, signalDbm: -73 });
  });

  it('reports a SIM that wants a PIN without entering one, and exits 0', async () => {
    const sim = simulated({ pin: '1234' });
    const report = await probeModem({ openPort: async () => sim.link(), drivers: builtinDrivers, timeoutMs: 10_000 });
    expect(report).toMatchObject({ answered: true, state: 'sim-pin-required', identity: { imei: '490154203237518' }, signalDbm: -73 });
    expect(sim.commands.filter((c) => /^AT\+CPIN=/i.test(c))).toEqual([]);
    expect(formatProbeReport('sim', report)).toMatch(/^SIM +: PIN required \(give --pin\)/m);
  });

  it('enters --pin once; a refused PIN is reported and never tried again', async () => {
    const good = simulated({ pin: '1234' });
    expect(await probeModem({ openPort: async () => good.link(), drivers: builtinDrivers, pin: '1234', timeoutMs: 10_000 })).toMatchObject({ state: 'ready' });
    const bad = simulated({ pin: '1234' });
    const report = await probeModem({ openPort: async () => bad.link(), drivers: builtinDrivers, pin: '0000', timeoutMs: 10_000 });
    expect(report.state).toBe('sim-wrong-pin');
    expect(bad.commands.filter((c) => /^AT\+CPIN=/i.test(c))).toHaveLength(1);
  });

  it('says when the SIM stores no SMSC', async () => {
    const sim = simulated({ smsc: '' });
    const report = await probeModem({ openPort: async () => sim.link(), drivers: builtinDrivers, timeoutMs: 10_000 });
    expect(report.smsc).toBeNull();
    expect(formatProbeReport('sim', report)).toMatch(/^SMSC +: none stored on the SIM/m);
  });

  it('gives up on a silent modem at the timeout', async () => {
    vi.useFakeTimers();
    const sim = simulated();
    sim.setSilent(true);
    const done = probeModem({ openPort: async () => sim.link(), drivers: builtinDrivers, timeoutMs: 10_000 });
    await vi.advanceTimersByTimeAsync(10_500);
    const report = await done;
    expect(report.answered).toBe(false);
    expect(report.identity).toBeUndefined();
  });

  it('exits 1 naming the device when it cannot be opened, 2 without --modem', async () => {
    const io = capture();
    expect(await probe(['--modem', join('/dev', 'katar-test-no-such-tty')], io)).toBe(1);
    expect(io.stderr).toMatch(/cannot open \/dev\/katar-test-no-such-tty: no such device/);
    await expect(probe([], capture())).rejects.toThrow(UsageError);
    await expect(probe(['--modem', 'sim:nokia'], capture())).rejects.toThrow(/unknown simulator personality/);
  });
});

describe('probe answers', () => {
  it('reads AT+CSCA? and AT+CPMS? answers', () => {
    expect(parseCsca(['+CSCA: "+61418706700",145'])).toBe('+61418706700');
    expect(parseCsca(['+CSCA: "",129'])).toBeUndefined();
    expect(parseCpmsRead(['+CPMS: "ME",3,23,"ME",3,23,"SM",1,30'])).toEqual([
      { memory: 'ME', used: 3, total: 23 },
      { memory: 'SM', used: 1, total: 30 },
    ]);
    expect(parseCpmsRead(['OK'])).toEqual([]);
  });
});
