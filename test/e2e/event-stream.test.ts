import { connect, type Socket } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import type { GatewayEvent } from '../../src/queue/gateway-event.js';
import { startGateway, type RunningGateway } from '../../src/start-gateway.js';
import { readWholeLog } from '../helpers/event-log-http.js';
import { listenApp, type ListeningApp } from '../helpers/listening-app.js';
import { until } from '../helpers/modem-harness.js';
import { SseClient } from '../helpers/sse-client.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

/**
 * The event API on a listening gateway (in this process, on loopback): the SSE stream
 * live, resumed by Last-Event-ID (also across a restart on the same data dir), filtered
 * by type, refused with 410 once retention passed the cursor, cutting off a client that
 * does not read, and keeping an idle stream alive with heartbeat comments.
 */
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const json = { 'content-type': 'application/json' };

async function tmpDir(): Promise<string> {
  const tmp = await makeTmpDir();
  cleanups.push(tmp.cleanup);
  return tmp.dir;
}

/** The real gateway without modems over `dataDir`; closed after the test unless closed before. */
async function gateway(dataDir: string, raw: Record<string, unknown> = {}): Promise<RunningGateway> {
  const g = await startGateway(parseConfig({ port: 0, dataDir, rateLimit: { max: 1_000_000, windowMs: 1000 }, ...raw }), createLogger('silent'));
  cleanups.push(() => g.close());
  return g;
}

async function stream(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const c = await SseClient.open(url, headers);
  cleanups.push(async () => c.close());
  return c;
}

/** Sends `n` SMS in one request (n sms.queued events); resolves with the task ids. */
async function send(url: string, n: number, tag = 'm'): Promise<string[]> {
  const messages = Array.from({ length: n }, (_, i) => ({ to: '+61404341143', msg: `${tag} ${i}` }));
  const res = await fetch(`${url}/v1/queue/sms/send`, { method: 'POST', headers: json, body: JSON.stringify(n === 1 ? messages[0] : { messages }) });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { _id: string } | { messages: Array<{ _id: string }> };
  return 'messages' in body ? body.messages.map((t) => t._id) : [body._id];
}

/** Sends one SMS at a time until stopped: events arrive while clients come and go. */
function keepSending(url: string): { stop: () => Promise<number> } {
  let stopped = false;
  let sent = 0;
  const loop = (async () => {
    while (!stopped) {
      await send(url, 1 + (sent % 3), `live ${sent}`);
      sent++;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return sent;
    },
  };
}

/** Each frame is the log's event: same id, `event:` its type, `data:` the event itself. */
function expectFramesAreTheLog(clients: SseClient[], log: GatewayEvent[]): void {
  const frames = clients.flatMap((c) => c.frames);
  expect(frames.map((f) => f.id)).toEqual(log.map((e) => e.id));
  const mismatched = frames.filter((f, i) => f.event !== log[i]!.type || !isDeepStrictEqual(f.data, log[i]));
  expect(mismatched).toEqual([]);
}

describe('GET /v1/events/stream on a listening gateway', () => {
  it('streams events live; Last-Event-ID resumes right after it, also across a restart on the same data dir', async () => {
    const dir = await tmpDir();
    let g = await gateway(dir);
    const first = await stream(`${g.url}/v1/events/stream`);
    expect(first.status).toBe(200);
    await send(g.url, 5, 'before');
    await first.waitFor((c) => c.frames.length >= 5, 10_000, 'the first five events');
    expect(first.retry).toBe(2000);

    // Live events, the client drops mid-flow and comes back with the last id it saw.
    const producer = keepSending(g.url);
    await first.waitFor((c) => c.frames.length >= 30, 10_000, 'live events');
    first.close();
    const dropAt = first.lastId()!;
    const second = await stream(`${g.url}/v1/events/stream`, { 'last-event-id': String(dropAt) });
    await second.waitFor((c) => c.frames.length >= 20, 10_000, 'events after the reconnect');
    await producer.stop();
    let newest = (await readWholeLog(g.url)).at(-1)!.id;
    await second.waitFor((c) => c.lastId() === newest, 10_000, 'the stream caught up');
    expect(second.frames[0]!.id).toBe(dropAt + 1);
    expectFramesAreTheLog([first, second], await readWholeLog(g.url));

    // A restart ends the stream; the client resumes on the new process where it stopped.
    await g.close();
    await second.ended;
    g = await gateway(dir);
    const third = await stream(`${g.url}/v1/events/stream`, { 'last-event-id': String(second.lastId()) });
    await send(g.url, 7, 'after restart');
    newest = (await readWholeLog(g.url)).at(-1)!.id;
    await third.waitFor((c) => c.lastId() === newest, 10_000, 'events after the restart');
    const log = await readWholeLog(g.url);
    expect(log.length).toBeGreaterThan(40);
    expectFramesAreTheLog([first, second, third], log);

    // `?after=` resumes as the header does; the header wins when both are given.
    const byQuery = await stream(`${g.url}/v1/events/stream?after=${newest - 3}`);
    const both = await stream(`${g.url}/v1/events/stream?after=1`, { 'last-event-id': String(newest - 2) });
    await byQuery.waitFor((c) => c.frames.length === 3, 5000, 'three events by ?after=');
    await both.waitFor((c) => c.frames.length === 2, 5000, 'two events by Last-Event-ID');
    expect(byQuery.ids()).toEqual([newest - 2, newest - 1, newest]);
    expect(both.ids()).toEqual([newest - 1, newest]);
  });

  it('?types= sends only those types, on the stream and the pull API alike; an unknown type is 400', async () => {
    const g = await gateway(await tmpDir());
    const filtered = await stream(`${g.url}/v1/events/stream?types=sms.received,sms.cancelled`);
    const everything = await stream(`${g.url}/v1/events/stream`);
    for (let i = 0; i < 6; i++) {
      const [a] = await send(g.url, 2, `round ${i}`);
      if (i % 2 === 0) expect((await fetch(`${g.url}/v1/queue/sms/tasks/${a}`, { method: 'DELETE' })).status).toBe(200);
      const r = await fetch(`${g.url}/v1/queue/sms/receive`, { method: 'POST', headers: json, body: JSON.stringify({ sms: { from: '+4915112345678', msg: `hello ${i}` } }) });
      expect(r.status).toBe(204);
    }
    const log = await readWholeLog(g.url);
    const wanted = log.filter((e) => e.type === 'sms.received' || e.type === 'sms.cancelled');
    expect(wanted.map((e) => e.type).sort()).toEqual([...Array(3).fill('sms.cancelled'), ...Array(6).fill('sms.received')]);
    await everything.waitFor((c) => c.lastId() === log.at(-1)!.id, 10_000, 'every event');
    await filtered.waitFor((c) => c.lastId() === wanted.at(-1)!.id, 10_000, 'the filtered events');
    expectFramesAreTheLog([everything], log);
    expectFramesAreTheLog([filtered], wanted);
    expect(await readWholeLog(g.url, { types: 'sms.received,sms.cancelled' })).toEqual(wanted);
    // From a cursor, filtered: the frames after it, of those types only.
    const later = await stream(`${g.url}/v1/events/stream?types=sms.received`, { 'last-event-id': String(wanted[3]!.id) });
    const rest = wanted.slice(4).filter((e) => e.type === 'sms.received');
    await later.waitFor((c) => c.lastId() === rest.at(-1)!.id, 10_000, 'received after the cursor');
    expectFramesAreTheLog([later], rest);

    for (const path of ['/v1/events?types=sms.nope', '/v1/events/stream?types=sms.sent,sms.nope']) {
      const res = await fetch(`${g.url}${path}`);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'VALIDATION', field: 'types' });
    }
  });

  it('a cursor older than retention kept is 410 EVENTS_EXPIRED with the oldest id, on both routes; from oldest-1 it goes on', async () => {
    const g = await gateway(await tmpDir(), { events: { maxEvents: 100 } });
    await send(g.url, 150, 'old');
    await send(g.url, 100, 'kept');
    // The cron job's work, through the running parts.
    const removed = await g.parts.queue.prune({ historyDays: 7, inboxDays: 7, maxEvents: 100 }, Date.now());
    expect(removed.events).toBe(150);
    const oldest = 151;
    for (const [path, headers] of [
      ['/v1/events?after=10', {}],
      ['/v1/events?after=149', {}],
      ['/v1/events/stream?after=10', {}],
      ['/v1/events/stream', { 'last-event-id': '149' }],
    ] as const) {
      const res = await fetch(`${g.url}${path}`, { headers });
      expect({ path, status: res.status, type: res.headers.get('content-type') }).toEqual({ path, status: 410, type: expect.stringMatching(/^application\/json/) as unknown });
      expect(await res.json()).toMatchObject({ code: 'EVENTS_EXPIRED', oldest });
    }
    const page = (await (await fetch(`${g.url}/v1/events?after=${oldest - 1}&limit=5`)).json()) as { events: GatewayEvent[]; next: number; newest: number };
    expect(page.events.map((e) => e.id)).toEqual([151, 152, 153, 154, 155]);
    expect(page.next).toBe(155);
    expect(page.newest).toBe(250);
    const resumed = await stream(`${g.url}/v1/events/stream`, { 'last-event-id': String(oldest - 1) });
    await resumed.waitFor((c) => c.lastId() === 250, 10_000, 'the kept events');
    expect(resumed.ids()).toEqual(Array.from({ length: 100 }, (_, i) => 151 + i));
    // No cursor at all means "from the oldest kept" (the documented meaning of 0 or absent).
    const fresh = await fetch(`${g.url}/v1/events?limit=2`);
    expect(fresh.status).toBe(200);
    expect(((await fresh.json()) as { events: GatewayEvent[] }).events.map((e) => e.id)).toEqual([151, 152]);
    const freshStream = await stream(`${g.url}/v1/events/stream`);
    expect(freshStream.status).toBe(200);
    await freshStream.waitFor((c) => c.lastId() === 250, 10_000, 'the kept events without a cursor');
    expect(freshStream.frames[0]!.id).toBe(151);
  });
});

describe('stream limits on the socket', () => {
  let app: ListeningApp;

  /** Opens a raw connection, sends the GET and never reads: the socket stays paused. */
  async function deafClient(url: string): Promise<{ socket: Socket; closed: Promise<void>; received: () => number; lastId: () => number; read: () => void }> {
    const { hostname, port } = new URL(url);
    const socket = connect({ host: hostname, port: Number(port) });
    cleanups.push(async () => void socket.destroy());
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.pause();
    let received = 0;
    let text = '';
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.write(`GET /v1/events/stream HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\n\r\n`);
    return {
      socket,
      closed,
      received: () => received,
      lastId: () => Math.max(0, ...[...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))),
      read: () => {
        socket.on('data', (b: Buffer) => {
          received += b.length;
          text += b.toString('latin1');
        });
        socket.resume();
      },
    };
  }

  it('cuts off a client that does not read; what it holds for it stays bounded however many events follow', async () => {
    const limits = { maxBufferedBytes: 64 * 1024, drainTimeoutMs: 500, heartbeatMs: 60_000 };
    app = await listenApp(await tmpDir(), { streamLimits: limits });
    cleanups.push(() => app.close());
    const listeners = app.queue.events.listenerCount('event');
    const deaf = await deafClient(app.url);
    await until(() => app.queue.events.listenerCount('event') === listeners + 1, 5000, 'the stream attached');

    // Events in rounds until the server lets the client go (its listener leaves the log).
    let produced = 0;
    for (let round = 0; app.queue.events.listenerCount('event') > listeners; round++) {
      expect(round, 'the server never cut the client that does not read').toBeLessThan(200);
      const added = await app.queue.add('sms', Array.from({ length: 500 }, (_, i) => ({ data: { to: '+61404341143', msg: `flood ${round}.${i} ${'x'.repeat(100)}` }, parts: 1 })));
      produced += added.length;
      await new Promise((r) => setTimeout(r, 20));
    }
    const atCut = produced;
    // As many events again once it is cut: none of them is kept for it.
    for (let round = 0; round * 500 < atCut; round++) {
      const added = await app.queue.add('sms', Array.from({ length: 500 }, (_, i) => ({ data: { to: '+61404341143', msg: `after ${round}.${i} ${'x'.repeat(100)}` }, parts: 1 })));
      produced += added.length;
    }
    const log = await readWholeLog(app.url);
    expect(log).toHaveLength(produced);
    const frameBytes = (e: GatewayEvent): number => Buffer.byteLength(`id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
    const bytesAtCut = log.slice(0, atCut).reduce((n, e) => n + frameBytes(e), 0);

    // Reading now drains what the kernel and the server held for it, then the connection ends.
    deaf.read();
    await deaf.closed;
    expect(deaf.socket.destroyed).toBe(true);
    // What reached it is what was held at the cut (kernel buffers, at most maxBufferedBytes
    // and a batch in the server), not the events produced: less than those up to the cut...
    expect(deaf.received()).toBeLessThan(bytesAtCut);
    // ...and nothing of the events after it.
    expect(deaf.lastId()).toBeGreaterThan(0);
    expect(deaf.lastId()).toBeLessThanOrEqual(atCut);
    expect(app.queue.events.listenerCount('event')).toBe(listeners);
    // The server serves the next client as before: all of it, from the start.
    const next = await stream(`${app.url}/v1/events/stream`);
    await next.waitFor((c) => c.lastId() === log.at(-1)!.id, 20_000, 'a new client read the whole log');
    expect(next.frames).toHaveLength(log.length);
    console.log(`a client that does not read: cut after ${atCut} events (${bytesAtCut} bytes of frames); it had received ${deaf.received()} bytes, up to event ${deaf.lastId()}`);
  });

  it('does not cut a client that reads, even when one batch of events is larger than maxBufferedBytes', async () => {
    app = await listenApp(await tmpDir(), { streamLimits: { maxBufferedBytes: 16 * 1024, drainTimeoutMs: 5000, heartbeatMs: 60_000 } });
    cleanups.push(() => app.close());
    // 2,000 events of about 1.2 kB: each batch of the stream is far past the limit.
    for (let round = 0; round < 4; round++) await app.queue.add('sms', Array.from({ length: 500 }, (_, i) => ({ data: { to: '+61404341143', msg: `big ${round}.${i} ${'y'.repeat(1000)}` }, parts: 1 })));
    const reader = await stream(`${app.url}/v1/events/stream`);
    let ended = false;
    void reader.ended.then(() => (ended = true));
    await reader.waitFor((c) => c.frames.length === 2000 || ended, 20_000, 'the backlog over one connection');
    expect(ended).toBe(false);
    expect(reader.ids()).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
  });

  it('sends heartbeat comments on an idle stream', async () => {
    app = await listenApp(await tmpDir(), { streamLimits: { heartbeatMs: 50 } });
    cleanups.push(() => app.close());
    const idle = await stream(`${app.url}/v1/events/stream`);
    await idle.waitFor((c) => c.comments.filter((t) => t === 'heartbeat').length >= 3, 5000, 'three heartbeats');
    expect(idle.frames).toEqual([]);
    await app.queue.add('sms', [{ data: { to: '+61404341143', msg: 'one' }, parts: 1 }]);
    await idle.waitFor((c) => c.frames.length === 1, 5000, 'the event between heartbeats');
    const beats = idle.comments.length;
    await idle.waitFor((c) => c.comments.length >= beats + 2, 5000, 'heartbeats go on after an event');
    expect(idle.ids()).toEqual([1]);
  });
});
