import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startChild, type ChildGateway } from '../helpers/child-gateway.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

/** The control API URL the gateway's start-up log names. */
function controlUrl(child: ChildGateway): string | undefined {
  return /simulated modem control API on (http:\/\/127\.0\.0\.1:\d+)/.exec(child.output())?.[1];
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface InboxPage {
  messages: Array<{ from: string; msg: string; source: string }>;
}

async function inboxUntil(url: string, count: number): Promise<InboxPage['messages']> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    const page = (await (await fetch(`${url}/v1/queue/sms/inbox`)).json()) as InboxPage;
    if (page.messages.length >= count) return page.messages;
  }
  throw new Error(`the inbox did not reach ${count} message(s) within 10 s`);
}

describe('serve on the built-in simulated modem: its control API', () => {
  let child: ChildGateway | undefined;
  let tmp: Awaited<ReturnType<typeof makeTmpDir>> | undefined;
  afterEach(async () => {
    child?.proc.kill('SIGKILL');
    if (child) await child.exited;
    child = undefined;
    await tmp?.cleanup();
    tmp = undefined;
  });

  it('listens on a loopback port named in the start-up log; an SMS posted there lands in the inbox', async () => {
    tmp = await makeTmpDir();
    child = await startChild(['serve', '--port', '0', '--data-dir', join(tmp.dir, 'data')]);
    const control = controlUrl(child);
    expect(control, child.output()).toBeDefined();
    // What the log line says to run, with the gateway API's field name...
    const res = await fetch(`${control}/incoming`, { method: 'POST', body: JSON.stringify({ from: '+61400000000', msg: 'hi' }) });
    expect(res.status).toBe(202);
    // ...and with the simulator's own one (`katar-sms simulate` documents "text").
    expect((await fetch(`${control}/incoming`, { method: 'POST', body: JSON.stringify({ from: '+61400000001', text: 'second' }) })).status).toBe(202);
    const messages = await inboxUntil(child.url, 2);
    expect(messages).toEqual([
      expect.objectContaining({ from: '+61400000000', msg: 'hi', source: 'modem:modem0' }),
      expect.objectContaining({ from: '+61400000001', msg: 'second', source: 'modem:modem0' }),
    ]);
  });

  it('takes --sim-control-port', async () => {
    tmp = await makeTmpDir();
    const port = await freePort();
    child = await startChild(['serve', '--port', '0', '--data-dir', join(tmp.dir, 'data'), '--sim-control-port', String(port)]);
    expect(controlUrl(child)).toBe(`http://127.0.0.1:${port}`);
    const state = (await (await fetch(`http://127.0.0.1:${port}/state`)).json()) as { personality: string };
    expect(state.personality).toBe('generic');
  });

  it('has none without a simulated modem', async () => {
    tmp = await makeTmpDir();
    child = await startChild(['serve', '--port', '0', '--modem', 'none', '--data-dir', join(tmp.dir, 'data')]);
    expect(controlUrl(child)).toBeUndefined();
  });
});
