import { afterEach, describe, expect, it } from 'vitest';
import { builtinDrivers } from '../../drivers/index.js';
import { createLogger } from '../../src/log.js';
import { SimulatedModem } from '../../src/simulator/index.js';
import { startRemoteWorker, type RunningRemoteWorker } from '../../src/worker/remote/start-remote.js';
import { startChild, type ChildGateway } from '../helpers/child-gateway.js';
import { until } from '../helpers/modem-harness.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const json = { 'content-type': 'application/json' };

describe('remote worker mode', () => {
  let server: ChildGateway | undefined;
  let worker: RunningRemoteWorker | undefined;
  let tmp: Awaited<ReturnType<typeof makeTmpDir>>;
  afterEach(async () => {
    await worker?.close();
    server?.proc.kill('SIGKILL');
    await tmp?.cleanup();
  });

  it('drains a second server\'s queue and relays received SMS, across a server restart', async () => {
    tmp = await makeTmpDir();
    // A fixed port, because the restarted server must come back at the same URL: below
    // Linux's ephemeral range (32768 up), where the outgoing connections of other tests
    // running at the same time could be holding it.
    let serverArgs: string[] = [];
    for (let tries = 1; ; tries++) {
      const port = 20000 + Math.floor(Math.random() * 12000);
      serverArgs = ['serve', '--modem', 'none', '--port', String(port), '--data-dir', `${tmp.dir}/server`];
      try {
        server = await startChild(serverArgs);
        break;
      } catch (err) {
        if (tries >= 5 || !/already in use/.test(String(err))) throw err;
      }
    }
    const url = server.url;
    const sim = new SimulatedModem({ name: 'pi2' });
    worker = await startRemoteWorker({
      server: url,
      queue: 'sms',
      name: 'pi2',
      dataDir: `${tmp.dir}/worker`,
      openPort: async () => sim.link(),
      drivers: builtinDrivers,
      logger: createLogger('silent'),
      pollWaitMs: 2000,
      backoff: { initialMs: 50, maxMs: 300 },
    });
    const send = async (msg: string): Promise<string> => ((await (await fetch(`${url}/v1/queue/sms/send`, { method: 'POST', headers: json, body: JSON.stringify({ to: '+61404341143', msg }) })).json()) as { _id: string })._id;
    const status = async (id: string): Promise<string> => ((await (await fetch(`${url}/v1/queue/sms/tasks/${id}`)).json()) as { status: string }).status;
    const inbox = async (): Promise<string[]> => ((await (await fetch(`${url}/v1/queue/sms/inbox`)).json()) as { messages: Array<{ msg: string }> }).messages.map((m) => m.msg);

    const first = [await send('one'), await send('two'), await send('three')];
    for (const id of first) await until(async () => (await status(id)) === 'done', 15_000, `done ${id}`);
    sim.injectIncoming({ from: '+4915112345678', text: 'reply one' });
    await until(async () => (await inbox()).includes('reply one'), 15_000, 'relayed');

    // the server goes away (kill -9); the modem receives meanwhile; the server comes back
    server.proc.kill('SIGKILL');
    await server.exited;
    sim.injectIncoming({ from: '+4915112345678', text: 'while the server was down' });
    await new Promise((r) => setTimeout(r, 500));
    server = await startChild(serverArgs);
    const later = await send('after the restart');
    await until(async () => (await status(later)) === 'done', 20_000, 'done after restart');
    await until(async () => (await inbox()).includes('while the server was down'), 20_000, 'relayed after restart');

    expect(sim.sentMessages().map((m) => m.text)).toEqual(['one', 'two', 'three', 'after the restart']);
    expect((await inbox()).sort()).toEqual(['reply one', 'while the server was down']);
  }, 60_000);
});
