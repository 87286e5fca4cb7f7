import { spawn } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { inbox } from '../../src/cli/inbox.js';
import type { CliIo } from '../../src/cli/io.js';
import { startHttp, type HttpHarness } from '../helpers/http-harness.js';

const CLI = new URL('../../dist/src/cli/main.js', import.meta.url).pathname;

function capture(env: Record<string, string> = {}): CliIo & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', env, out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

async function until(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const T0 = Date.parse('2026-03-01T10:00:00Z');
const PRODUCER = 'producer-token-0123456789abcdef';

describe('katar-sms inbox against the real app', () => {
  let h: HttpHarness | undefined;
  let url = '';
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function serve(raw: Record<string, unknown> = {}): Promise<HttpHarness> {
    h = await startHttp(raw);
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    return h;
  }

  const receive = (msg: string, minutes: number, queue = 'sms'): Promise<unknown> =>
    h!.gateway.queue.receive(queue, { from: '+61404341143', msg, source: 'test', receivedAt: new Date(T0 + minutes * 60_000) });

  it('prints one line per SMS, oldest first: time, sender, text', async () => {
    await serve();
    await receive('hello', 0);
    await receive('two\nlines', 1);
    const io = capture({ KATAR_SERVER: url });
    expect(await inbox([], io)).toBe(0);
    expect(io.stdout).toBe('2026-03-01T10:00:00.000Z +61404341143 hello\n2026-03-01T10:01:00.000Z +61404341143 two\\nlines\n');
    expect(io.stderr).toBe('');
  });

  it('prints JSON lines, and starts after --since (a cursor or an instant)', async () => {
    await serve();
    for (let i = 0; i < 4; i++) await receive(`m${i}`, i);
    const all = capture();
    expect(await inbox(['--server', url, '--json'], all)).toBe(0);
    const lines = all.stdout.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; seq: number });
    expect(lines.map((l) => l.msg)).toEqual(['m0', 'm1', 'm2', 'm3']);
    const byCursor = capture();
    expect(await inbox(['--server', url, '--json', '--since', String(lines[1]!.seq)], byCursor)).toBe(0);
    expect(byCursor.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['m2', 'm3']);
    const byTime = capture();
    expect(await inbox(['--server', url, '--since', '2026-03-01T10:02:00Z'], byTime)).toBe(0);
    expect(byTime.stdout).toBe('2026-03-01T10:03:00.000Z +61404341143 m3\n');
  });

  it('reads the queue given, with the token given', async () => {
    await serve({ queues: { sms: {}, bulk: {} }, tokens: [{ name: 'app', token: PRODUCER, role: 'producer' }] });
    await receive('for sms', 0);
    await receive('for bulk', 1, 'bulk');
    const io = capture({ KATAR_TOKEN: PRODUCER });
    expect(await inbox(['--server', url, '--queue', 'bulk'], io)).toBe(0);
    expect(io.stdout).toBe('2026-03-01T10:01:00.000Z +61404341143 for bulk\n');
    const refused = capture();
    expect(await inbox(['--server', url], refused)).toBe(1);
    expect(refused.stderr).toMatch(/^katar-sms inbox: server refused \(401 UNAUTHORIZED\)/);
  });

  it('with --follow, prints SMS as they arrive until stopped (exit 0), never one twice', async () => {
    await serve();
    await receive('before', 0);
    const io = capture();
    const stop = new AbortController();
    const running = inbox(['--server', url, '--follow'], io, { signal: stop.signal, pollMs: 30 });
    await until(() => io.stdout.includes('before'), 'the first SMS');
    await receive('during 1', 1);
    await receive('during 2', 2);
    await until(() => io.stdout.includes('during 2'), 'the SMS received while following');
    await new Promise((r) => setTimeout(r, 100));
    stop.abort();
    expect(await running).toBe(0);
    expect(io.stdout.trim().split('\n').map((l) => l.split(' ').slice(2).join(' '))).toEqual(['before', 'during 1', 'during 2']);
  });

  it('with --follow from an instant, goes on from the cursor the server hands back', async () => {
    await serve();
    await receive('old', 0);
    const io = capture();
    const stop = new AbortController();
    const running = inbox(['--server', url, '--follow', '--since', '2026-03-01T11:00:00Z'], io, { signal: stop.signal, pollMs: 30 });
    await new Promise((r) => setTimeout(r, 100));
    await receive('new', 90);
    await until(() => io.stdout.includes('new'), 'the new SMS');
    stop.abort();
    expect(await running).toBe(0);
    expect(io.stdout).toBe('2026-03-01T11:30:00.000Z +61404341143 new\n');
  });

  it('exits 1 on a refusal or when no server answers; 2 on a bad command line', async () => {
    await serve();
    const unknown = capture();
    expect(await inbox(['--server', url, '--queue', 'nope'], unknown)).toBe(1);
    expect(unknown.stderr).toMatch(/server refused \(404 QUEUE_NOT_FOUND/);
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const nobody = `http://127.0.0.1:${(free.address() as AddressInfo).port}`;
    await new Promise((resolve) => free.close(resolve));
    const down = capture();
    expect(await inbox(['--server', nobody, '--follow'], down, { signal: new AbortController().signal, pollMs: 30 })).toBe(1);
    expect(down.stderr).toBe(`katar-sms inbox: no katar-sms server at ${nobody} (ECONNREFUSED)\n`);
    await expect(inbox(['--since', 'yesterday-ish'], capture())).rejects.toThrow(UsageError);
    await expect(inbox(['--queue', 'Not A Queue'], capture())).rejects.toThrow(/--queue/);
  });

  it('through the built CLI, Ctrl-C ends --follow with exit 0', async () => {
    await serve();
    await receive('hi', 0);
    const proc = spawn(process.execPath, [CLI, 'inbox', '--follow', '--server', url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | string>((resolve) => proc.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
    await until(() => out.includes('hi'), 'the SMS printed', 10_000);
    proc.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toBe('2026-03-01T10:00:00.000Z +61404341143 hi\n');
  });

  it('with --follow, waits out an outage that comes after it has been reading', async () => {
    await serve();
    await receive('first', 0);
    const io = capture();
    const stop = new AbortController();
    // In front of the app, a proxy that answers 503 for a while.
    let down = false;
    const proxy = createHttpServer((req, res) => {
      if (down) {
        res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'Service Unavailable', code: 'SHUTTING_DOWN', message: 'restarting' }));
        return;
      }
      void fetch(`${url}${req.url}`).then(async (r) => res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'text/plain' }).end(await r.text()));
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => proxy.close(() => resolve())));
    const via = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const running = inbox(['--server', via, '--follow'], io, { signal: stop.signal, pollMs: 20 });
    await until(() => io.stdout.includes('first'), 'the first SMS');
    down = true;
    await until(() => io.stderr.includes('trying again'), 'the outage notice');
    await receive('second', 1);
    down = false;
    await until(() => io.stdout.includes('second'), 'the SMS after the outage');
    stop.abort();
    expect(await running).toBe(0);
    expect(io.stderr).toMatch(/^katar-sms inbox: server refused \(503 SHUTTING_DOWN\): restarting; trying again every 0\.02 s\nkatar-sms inbox: the server answers again\n$/);
  });
});
