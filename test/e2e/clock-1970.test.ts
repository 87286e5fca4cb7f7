import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../helpers/modem-harness.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const hasFaketime = spawnSync('faketime', ['-f', '+0', 'true']).status === 0;

/** `npm start` on a Pi that booted without a real-time clock: the system time is 1970. */
describe.skipIf(!hasFaketime)('a gateway started with the clock at 1970', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });

  it('stays up, warns about the clock, and sends on the simulated modem', async () => {
    const tmp = await makeTmpDir();
    cleanups.push(tmp.cleanup);
    const proc: ChildProcess = spawn('faketime', ['1970-01-02 00:00:00', process.execPath, CLI, 'serve', '--port', '0', '--data-dir', join(tmp.dir, 'data')], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    // faketime runs node as its child: kill the whole process group, not only the wrapper.
    cleanups.push(async () => {
      try {
        process.kill(-proc.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    });
    let out = '';
    let exited: number | string | undefined;
    proc.on('exit', (code, signal) => (exited = code ?? signal ?? -1));
    proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    await until(() => /katar-sms listening on/.test(out) || exited !== undefined, 20_000, 'listening');
    const url = /katar-sms listening on (http:\/\/[^"\s]+)/.exec(out)![1]!;
    expect(out).toMatch(/before this katar-sms was built/);
    await until(async () => ((await (await fetch(`${url}/healthz`)).json()) as { modems: Array<{ state: string }> }).modems[0]?.state === 'ready', 20_000, 'modem ready');
    const sent = (await (await fetch(`${url}/v1/queue/sms/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: '+61404341143', msg: 'from 1970' }) })).json()) as { _id: string };
    await until(async () => ((await (await fetch(`${url}/v1/queue/sms/tasks/${sent._id}`)).json()) as { status: string }).status === 'done', 20_000, 'done');
    // the simulated network's status report arrives too, and nothing died on it
    await new Promise((r) => setTimeout(r, 500));
    expect(exited).toBeUndefined();
    expect(out).not.toMatch(/cannot be encoded/);
  }, 60_000);
});
