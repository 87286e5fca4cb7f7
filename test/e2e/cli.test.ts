import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startChild, type ChildGateway } from '../helpers/child-gateway.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

describe('katar-sms command line', () => {
  let child: ChildGateway | undefined;
  let tmp: Awaited<ReturnType<typeof makeTmpDir>>;
  afterEach(async () => {
    child?.proc.kill('SIGKILL');
    child = undefined;
    await tmp?.cleanup();
  });

  it('prints help for every command and exits 0', async () => {
    for (const args of [['help'], ['serve', '--help'], ['simulate', '--help'], ['worker', '--help']]) {
      const r = await runCli(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage: katar-sms/);
    }
  });

  it('exits 2 on a bad command line', async () => {
    const r = await runCli(['serve', '--port', 'many']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--port must be an integer/);
  });

  it('refuses a config with an unknown key or a bad value, naming it, exit 78', async () => {
    tmp = await makeTmpDir();
    const file = join(tmp.dir, 'c.json');
    await writeFile(file, JSON.stringify({ queues: { sms: { leaseMs: -5 } } }));
    const r = await runCli(['serve', '--config', file, '--data-dir', tmp.dir]);
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/queues\.sms\.leaseMs must be an integer/);
    await writeFile(file, JSON.stringify({ prot: 3000 }));
    const r2 = await runCli(['serve', '--config', file, '--data-dir', tmp.dir]);
    expect(r2.code).toBe(78);
    expect(r2.stderr).toMatch(/prot is not a known option/);
  });

  it('refuses to listen beyond loopback without tokens', async () => {
    tmp = await makeTmpDir();
    const r = await runCli(['serve', '--host', '0.0.0.0', '--modem', 'none', '--data-dir', tmp.dir]);
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/without tokens/);
  });

  it('lets one process own a data directory: a second one refuses, naming the pid', async () => {
    tmp = await makeTmpDir();
    child = await startChild(['serve', '--modem', 'none', '--port', '0', '--data-dir', tmp.dir]);
    const r = await runCli(['serve', '--modem', 'none', '--port', '0', '--data-dir', tmp.dir]);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain(`pid ${child.proc.pid}`);
  });

  it('stops cleanly on SIGTERM with exit 0', async () => {
    tmp = await makeTmpDir();
    child = await startChild(['serve', '--modem', 'none', '--port', '0', '--data-dir', tmp.dir]);
    child.proc.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  });
});
