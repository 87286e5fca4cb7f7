import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/child-gateway.js';

describe('katar-sms tool commands through the built CLI', () => {
  it('prints usage with options and exit codes for --help on every command', async () => {
    for (const cmd of ['ports', 'probe', 'send', 'status', 'inbox', 'events']) {
      const r = await runCli([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: katar-sms ${cmd}`));
      expect(r.stdout).toMatch(/Exit codes: 0 /);
    }
    const top = await runCli(['help']);
    expect(top.stdout).toMatch(/^ {2}probe {7}identify a modem/m);
    expect(top.stdout).toMatch(/^ {2}inbox {7}the SMS a running server received/m);
    expect(top.stdout).toMatch(/^ {2}events {6}a running server's events/m);
  });

  it('probes the simulated modem', async () => {
    const r = await runCli(['probe', '--modem', 'sim']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Model +: SIM-GENERIC$/m);
    expect(r.stdout).toMatch(/^IMEI +: 490154203237518$/m);
    expect(r.stdout).toMatch(/^Driver +: generic$/m);
  });

  it('exits 2 on a bad command line', async () => {
    const r = await runCli(['probe', '--modem', 'sim', '--timeout', 'soon']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--timeout must be an integer/);
  });

  it('lists ports even where udevadm is missing (exit 0)', async () => {
    const r = await runCli(['ports', '--json']);
    expect(r.code).toBe(0);
    expect(Array.isArray(JSON.parse(r.stdout))).toBe(true);
  });
});
