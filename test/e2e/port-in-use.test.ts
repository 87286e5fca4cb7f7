import { existsSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startChild } from '../helpers/child-gateway.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

/**
 * `katar-sms serve` on a port another process holds: one line that names host:port and
 * what to do, exit 78 (bad configuration), no stack trace, and nothing started before it
 * (no modem opened, the data directory not even created).
 */
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function dataDir(): Promise<string> {
  const tmp = await makeTmpDir();
  cleanups.push(tmp.cleanup);
  return join(tmp.dir, 'data');
}

const message = (port: number): string =>
  `katar-sms serve: port ${port} on 127.0.0.1 is already in use (another katar-sms, or another program); stop it or choose another port with --port or "port" in the config\n`;

/** What a refused start must look like, whoever holds the port. */
function expectRefused(r: { code: number | string; stdout: string; stderr: string }, port: number, dir: string): void {
  expect(r.code).toBe(78);
  expect(r.stderr).toBe(message(port));
  expect(r.stdout + r.stderr).not.toMatch(/^\s+at /m);
  // The simulated modem says so when it opens, and the data dir is made when the queue opens.
  expect(r.stdout).not.toMatch(/modem/i);
  expect(r.stdout).toBe('');
  expect(existsSync(dir)).toBe(false);
}

describe('serve on a port in use', () => {
  it('held by another program: exit 78 with one clear line, before the modem is opened', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', () => resolve()));
    cleanups.push(() => new Promise<void>((resolve) => holder.close(() => resolve())));
    const { port } = holder.address() as AddressInfo;
    const dir = await dataDir();
    expectRefused(await runCli(['serve', '--port', String(port), '--data-dir', dir, '--modem', 'sim']), port, dir);
  });

  it('held by another katar-sms: the same, and the running one is untouched', async () => {
    const first = await startChild(['serve', '--port', '0', '--data-dir', await dataDir(), '--modem', 'none']);
    cleanups.push(async () => {
      first.proc.kill('SIGKILL');
      await first.exited;
    });
    const port = Number(new URL(first.url).port);
    const dir = await dataDir();
    expectRefused(await runCli(['serve', '--port', String(port), '--data-dir', dir]), port, dir);
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
  });
});
