import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startChild, type ChildGateway } from '../helpers/child-gateway.js';
import { until } from '../helpers/modem-harness.js';
import { hasPtyRelay, simOnPty } from '../helpers/sim-on-pty.js';

const json = { 'content-type': 'application/json' };

describe.skipIf(!hasPtyRelay)('SIGTERM in the middle of a send', () => {
  const cleanups: Array<() => Promise<void>> = [];
  let gw: ChildGateway | undefined;
  afterEach(async () => {
    gw?.proc.kill('SIGKILL');
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });

  it('lets the AT+CMGS in flight finish, exits 0, and after a restart nothing is lost or sent twice', async () => {
    const { sim, path, dir, close } = await simOnPty({ name: 'term', sendLatencyMs: 1500 });
    cleanups.push(close);
    const args = ['serve', '--modem', path, '--port', '0', '--data-dir', join(dir, 'data')];
    gw = await startChild(args);
    const url = gw.url;
    await until(async () => ((await (await fetch(`${url}/healthz`)).json()) as { modems: Array<{ state: string }> }).modems[0]?.state === 'ready', 20_000, 'ready');
    const ids: string[] = [];
    for (const msg of ['in flight', 'queued behind it']) {
      ids.push(((await (await fetch(`${url}/v1/queue/sms/send`, { method: 'POST', headers: json, body: JSON.stringify({ to: '+61404341143', msg }) })).json()) as { _id: string })._id);
    }
    await until(() => sim.commands.some((c) => c.startsWith('AT+CMGS')), 10_000, 'AT+CMGS on the wire');
    gw.proc.kill('SIGTERM');
    expect(await gw.exited).toBe(0);
    // the send in flight completed before the exit; the queued one waited
    expect(sim.sentMessages().map((m) => m.text)).toEqual(['in flight']);

    gw = await startChild(args);
    const status = async (id: string): Promise<string> => ((await (await fetch(`${gw!.url}/v1/queue/sms/tasks/${id}`)).json()) as { status: string }).status;
    expect(await status(ids[0]!)).toBe('done');
    await until(async () => (await status(ids[1]!)) === 'done', 20_000, 'second sent after restart');
    expect(sim.sentMessages().map((m) => m.text)).toEqual(['in flight', 'queued behind it']);
  }, 60_000);
});
