import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startChild, type ChildGateway } from '../helpers/child-gateway.js';
import { until } from '../helpers/modem-harness.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const hasRelay = spawnSync('sh', ['-c', 'command -v socat || command -v python3']).status === 0;

/** Starts `katar-sms simulate` and waits until its pty exists. */
async function startSimulator(link: string, controlPort: number): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [CLI, 'simulate', '--link', link, '--control-port', String(controlPort), '--latency', '50'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  await until(() => /simulated modem ready/.test(out), 15_000, `simulator start: ${out}`);
  return proc;
}

describe.skipIf(!hasRelay)('end to end over a real pseudo-terminal and the serialport native binding', () => {
  let sim: ChildProcess | undefined;
  let gw: ChildGateway | undefined;
  let tmp: Awaited<ReturnType<typeof makeTmpDir>> | undefined;
  afterEach(async () => {
    gw?.proc.kill('SIGTERM');
    if (gw) await gw.exited;
    sim?.kill('SIGTERM');
    await tmp?.cleanup();
  });

  it('POST send -> AT+CMGS on the wire -> done; an injected SMS -> GET inbox', async () => {
    tmp = await makeTmpDir();
    const link = join(tmp.dir, 'modem0');
    const control = 39000 + Math.floor(Math.random() * 1000);
    sim = await startSimulator(link, control);
    gw = await startChild(['serve', '--modem', link, '--port', '0', '--data-dir', join(tmp.dir, 'data')]);
    const ready = async (): Promise<boolean> => {
      const h = (await (await fetch(`${gw!.url}/healthz`)).json()) as { modems: Array<{ state: string }> };
      return h.modems[0]?.state === 'ready';
    };
    await until(ready, 20_000, 'modem ready over the pty');

    const sent = (await (await fetch(`${gw.url}/v1/queue/sms/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: '+61404341143', msg: 'über the pty ✓' }) })).json()) as { _id: string };
    await until(async () => ((await (await fetch(`${gw!.url}/v1/queue/sms/tasks/${sent._id}`)).json()) as { status: string }).status === 'done', 20_000, 'task done');
    const onWire = (await (await fetch(`http://127.0.0.1:${control}/sent`)).json()) as { messages: Array<{ to: string; text: string }> };
    expect(onWire.messages.map((m) => [m.to, m.text])).toEqual([['+61404341143', 'über the pty ✓']]);

    await fetch(`http://127.0.0.1:${control}/incoming`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: '+4915112345678', text: 'hello back' }) });
    await until(async () => ((await (await fetch(`${gw!.url}/v1/queue/sms/inbox`)).json()) as { messages: unknown[] }).messages.length === 1, 20_000, 'inbox');
    const inbox = (await (await fetch(`${gw.url}/v1/queue/sms/inbox`)).json()) as { messages: Array<{ from: string; msg: string }> };
    expect(inbox.messages[0]).toMatchObject({ from: '+4915112345678', msg: 'hello back' });
  }, 60_000);
});
