import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { gatewayParts } from '../../src/gateway/gateway-parts.js';
import { buildApp } from '../../src/http/app.js';
import { FileQueue } from '../../src/queue/file-queue.js';
import { FileStore } from '../../src/queue/store/file-store.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

/**
 * Slow clients on real sockets: 2,000 connections that trickle a body never hold more
 * than maxConnections sockets (file descriptors), each is answered 408 and closed once
 * requestTimeoutMs has passed without a full request, and afterwards a normal request
 * succeeds. A long-poll, whose request arrived at once, is not cut by the limit.
 */
const REQUEST_TIMEOUT_MS = 400;
const MAX_CONNECTIONS = 100;
const SLOW = 2000;

let app: Awaited<ReturnType<typeof buildApp>>;
let port: number;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const tmp = await makeTmpDir();
  const config = parseConfig({ requestTimeoutMs: REQUEST_TIMEOUT_MS, maxConnections: MAX_CONNECTIONS, queues: { sms: {}, idle: {} } });
  const store = await FileStore.open(tmp.dir);
  const queue = await FileQueue.open({ store, queues: config.queues, sweepIntervalMs: 0 });
  app = await buildApp({ parts: gatewayParts(queue, { maxParts: config.maxParts }), config });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as { port: number }).port;
  cleanup = async () => {
    await app.close();
    queue.close();
    await store.close();
    await tmp.cleanup();
  };
});
afterAll(async () => cleanup());

/** A client that sends the headers of a send and then one byte of body every 50 ms. */
function trickler(): { socket: Socket; answer: () => string; closed: Promise<void> } {
  const socket = connect({ host: '127.0.0.1', port });
  let answer = '';
  let timer: NodeJS.Timeout | undefined;
  socket.on('data', (b) => (answer += b.toString()));
  socket.on('error', () => undefined); // a reset by the server is one of the expected ends
  socket.once('connect', () => {
    socket.write(`POST /v1/queue/sms/send HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`);
    timer = setInterval(() => socket.writable && socket.write(' '), 50);
  });
  // Not events.once: it would reject on the 'error' that precedes a reset's 'close'.
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve(clearInterval(timer))));
  return { socket, answer: () => answer, closed };
}

describe('slow clients', () => {
  it(`2,000 trickling bodies hold at most maxConnections sockets, are closed after requestTimeoutMs, and a normal request then succeeds`, async () => {
    let dropped = 0;
    let most = 0;
    app.server.on('drop', () => dropped++);
    const sample = setInterval(() => app.server.getConnections((_e, n) => (most = Math.max(most, n))), 20);
    const clients = Array.from({ length: SLOW }, () => trickler());
    await Promise.all(clients.map((c) => c.closed));
    clearInterval(sample);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(MAX_CONNECTIONS);
    // Every connection ended (Promise.all above): closed at once over the cap, or let in
    // and answered 408 Request Timeout once its body had not arrived in time. (A client
    // still writing may see the reset before the 408, so not every one reads it.)
    expect(dropped).toBeGreaterThan(0);
    const answered = clients.filter((c) => c.answer() !== '');
    expect(answered.length).toBeGreaterThan(0);
    for (const c of answered) expect(c.answer()).toMatch(/^HTTP\/1\.1 408 /);
    const r = await fetch(`http://127.0.0.1:${port}/v1/queue/sms/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: '+61404341143', msg: 'after the flood' }) });
    expect(r.status).toBe(201);
  }, 60_000);

  it('does not cut a long-poll that outlasts requestTimeoutMs', async () => {
    // The queue stays empty: the answer comes when waitMs is up, long after the limit.
    const r = await fetch(`http://127.0.0.1:${port}/v1/queue/idle`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ waitMs: REQUEST_TIMEOUT_MS * 4 }) });
    expect(r.status).toBe(204);
  });
});
