import { spawn } from 'node:child_process';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { events } from '../../src/cli/events.js';
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

/** The ids of the events printed, line by line. */
const printedIds = (stdout: string): number[] => stdout.trim().split('\n').filter(Boolean).map((l) => Number(l.split(' ')[0]));

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('katar-sms events against the real app', () => {
  let h: HttpHarness | undefined;
  let url = '';
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function serve(): Promise<HttpHarness> {
    h = await startHttp();
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    return h;
  }

  const receive = (msg: string): Promise<unknown> => h!.gateway.queue.receive('sms', { from: '+61404341143', msg, source: 'test' });
  const send = async (msg: string): Promise<string> => ((await h!.app.inject({ method: 'POST', url: '/v1/queue/sms/send', payload: { to: '+61404341143', msg } })).json() as { _id: string })._id;

  it('prints one line per event: id, time, type, the sender or the task and its status', async () => {
    await serve();
    await receive('hello');
    const task = await send('out');
    const io = capture({ KATAR_SERVER: url });
    expect(await events([], io)).toBe(0);
    const lines = io.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^1 \d{4}-\d\d-\d\dT[\d:.]+Z sms\.received from \+61404341143$/);
    expect(lines[1]).toMatch(new RegExp(`^2 \\S+ sms\\.queued ${task} queued$`));
    expect(lines).toHaveLength(2);
    expect(io.stderr).toBe('');
  });

  it('pages through a long log, and takes --after, --types and --json', async () => {
    await serve();
    for (let i = 0; i < 130; i++) await receive(`m${i}`);
    await send('out');
    const all = capture();
    expect(await events(['--server', url], all)).toBe(0);
    expect(printedIds(all.stdout)).toEqual(Array.from({ length: 131 }, (_, i) => i + 1));
    const after = capture();
    expect(await events(['--server', url, '--after', '128', '--json'], after)).toBe(0);
    const json = after.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: number; type: string; data: { msg?: string } });
    expect(json.map((e) => [e.id, e.type])).toEqual([[129, 'sms.received'], [130, 'sms.received'], [131, 'sms.queued']]);
    expect(json[0]!.data.msg).toBe('m128');
    const queued = capture();
    expect(await events(['--server', url, '--types', 'sms.queued,sms.failed'], queued)).toBe(0);
    expect(printedIds(queued.stdout)).toEqual([131]);
  });

  it('with --follow, prints the backlog and then live events, once each across dropped connections', async () => {
    await serve();
    await receive('before');
    const io = capture();
    const stop = new AbortController();
    const running = events(['--server', url, '--follow'], io, { signal: stop.signal, retryMs: 20 });
    await until(() => printedIds(io.stdout).length === 1, 'the backlog');
    await receive('live');
    await until(() => printedIds(io.stdout).length === 2, 'a live event');
    for (let drop = 0; drop < 3; drop++) {
      h!.app.server.closeAllConnections();
      await receive(`after drop ${drop}`);
      await send(`task after drop ${drop}`);
      await until(() => printedIds(io.stdout).length === 4 + drop * 2, `the events after drop ${drop}`);
    }
    stop.abort();
    expect(await running).toBe(0);
    expect(printedIds(io.stdout)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(io.stderr).toMatch(/^katar-sms events: the event stream dropped \(.+\); reconnecting after event 2$/m);
    expect(io.stderr).toMatch(/the event stream is back/);
  });

  it('through the built CLI, Ctrl-C ends --follow with exit 0', async () => {
    await serve();
    await receive('hi');
    const proc = spawn(process.execPath, [CLI, 'events', '--follow', '--server', url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | string>((resolve) => proc.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
    await until(() => out.includes('sms.received'), 'the event printed', 10_000);
    proc.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toMatch(/^1 \S+ sms\.received from \+61404341143\n$/);
  });

  it('with --follow --types, follows only those types', async () => {
    await serve();
    const io = capture();
    const stop = new AbortController();
    const running = events(['--server', url, '--follow', '--types', 'sms.queued'], io, { signal: stop.signal, retryMs: 20 });
    await receive('not shown');
    const task = await send('shown');
    await until(() => io.stdout.includes(task), 'the queued event');
    stop.abort();
    expect(await running).toBe(0);
    expect(io.stdout).toMatch(new RegExp(`^2 \\S+ sms\\.queued ${task} queued\\n$`));
  });

  it('an expired --after says which event is the oldest kept, exit 1; without --after it starts there', async () => {
    await serve();
    for (let i = 0; i < 6; i++) await receive(`m${i}`);
    await h!.gateway.queue.prune({ historyDays: 30, inboxDays: 30, maxEvents: 2 }, Date.now());
    const oldest = h!.gateway.queue.events.bounds().oldest!;
    expect(oldest).toBeGreaterThan(2);
    const listed = capture();
    expect(await events(['--server', url, '--after', '1'], listed)).toBe(1);
    expect(listed.stderr).toMatch(new RegExp(`^katar-sms events: cannot go on after event 1: .*\\b${oldest}\\b`));
    expect(listed.stdout).toBe('');
    const followed = capture();
    expect(await events(['--server', url, '--after', '1', '--follow'], followed, { signal: new AbortController().signal, retryMs: 20 })).toBe(1);
    expect(followed.stderr).toMatch(/^katar-sms events: cannot go on after event 1: /);
    const fromOldest = capture();
    expect(await events(['--server', url], fromOldest)).toBe(0);
    expect(printedIds(fromOldest.stdout)).toEqual([5, 6]);
  });

  it('exits 1 when no server answers, also with --follow', async () => {
    const free = createServer();
    const nobody = await listen(free as unknown as Server);
    await new Promise((resolve) => free.close(resolve));
    const io = capture();
    expect(await events(['--server', nobody], io)).toBe(1);
    expect(io.stderr).toBe(`katar-sms events: no katar-sms server at ${nobody} (ECONNREFUSED)\n`);
    const follow = capture();
    expect(await events(['--server', nobody, '--follow'], follow, { signal: new AbortController().signal, retryMs: 20 })).toBe(1);
    expect(follow.stderr).toBe(`katar-sms events: no katar-sms server at ${nobody} (ECONNREFUSED)\n`);
  });
});

describe('katar-sms events --follow against misbehaving servers', () => {
  const frame = (id: number, type = 'sms.received'): string => `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify({ id, type, time: '2026-03-01T10:00:00.000Z', queue: 'sms', data: { from: `+${id}` } })}\n\n`;

  it('reconnects a connection that went silent, with Last-Event-ID, and skips the replay', async () => {
    const seen: Array<string | undefined> = [];
    const server = createHttpServer((req, res) => {
      seen.push(req.headers['last-event-id'] as string | undefined);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // The first connection sends two events and then nothing, not even a heartbeat;
      // the second replays event 2 (as a server may) and goes on.
      if (seen.length === 1) res.write(`: hello\n\n${frame(1)}${frame(2).slice(0, 10)}`, () => res.write(frame(2).slice(10)));
      else res.write(`${frame(2)}${frame(3)}`);
    });
    const url = await listen(server);
    try {
      const io = capture();
      const stop = new AbortController();
      const running = events(['--server', url, '--follow'], io, { signal: stop.signal, retryMs: 10, idleMs: 150 });
      await until(() => printedIds(io.stdout).length === 3, 'the events of both connections');
      stop.abort();
      expect(await running).toBe(0);
      expect(printedIds(io.stdout)).toEqual([1, 2, 3]);
      expect(io.stdout.split('\n')[0]).toBe('1 2026-03-01T10:00:00.000Z sms.received from +1');
      expect(seen.slice(0, 2)).toEqual([undefined, '2']);
      expect(io.stderr).toMatch(/dropped \(nothing received for 0.15 s\); reconnecting after event 2/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('exits 1 when the answer is no event stream', async () => {
    const server = createHttpServer((_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    const url = await listen(server);
    try {
      const io = capture();
      expect(await events(['--server', url, '--follow'], io, { signal: new AbortController().signal })).toBe(1);
      expect(io.stderr).toMatch(/answered application\/json, not an event stream/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses a bad command line (exit 2)', async () => {
    await expect(events(['--types', 'sms.received,sms.exploded'], capture())).rejects.toThrow(UsageError);
    await expect(events(['--types', 'sms.exploded'], capture())).rejects.toThrow(/"sms\.exploded" is none of them/);
    await expect(events(['--after', 'soon'], capture())).rejects.toThrow(/--after must be an integer/);
  });
});
