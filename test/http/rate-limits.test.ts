import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.js';
import { parseConfig } from '../../src/config.js';
import { gatewayParts } from '../../src/gateway/gateway-parts.js';
import { buildApp } from '../../src/http/app.js';
import { FileQueue } from '../../src/queue/file-queue.js';
import { FileStore } from '../../src/queue/store/file-store.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

/**
 * Floods from the HTTP side: the producer budget counts messages (a batch costs its size,
 * a refused batch stores nothing and costs nothing), the other producer routes (the task
 * listing too) have a budget of their own, and failed authentication is limited per
 * address without touching other addresses. Windows run on an injected monotonic clock.
 */
const tokens = [
  { name: 'shop', token: 'producer-token-0123456789', role: 'producer' },
  { name: '__proto__', token: 'producer-token-proto-0123', role: 'producer' },
  { name: 'ops', token: 'admin-token-0123456789abcd', role: 'admin' },
];
const bearer = (t: string): Record<string, string> => ({ authorization: `Bearer ${t}` });
const msg = (i: number): { to: string; msg: string } => ({ to: '+61404341143', msg: `m${i}` });

let closeAll: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closeAll.reverse()) await c();
  closeAll = [];
});

async function start(raw: Record<string, unknown>): Promise<{ app: FastifyInstance; store: FileStore; clock: Clock & { advance(ms: number): void } }> {
  const tmp = await makeTmpDir();
  const config = parseConfig(raw);
  let now = 1_000;
  const clock = { wall: () => Date.now(), mono: () => now, advance: (ms: number) => void (now += ms) };
  const store = await FileStore.open(tmp.dir);
  const queue = await FileQueue.open({ store, queues: config.queues, sweepIntervalMs: 0 });
  const app = await buildApp({ parts: gatewayParts(queue, { maxParts: config.maxParts }), config, clock });
  await app.ready();
  closeAll.push(async () => {
    await app.close();
    queue.close();
    await store.close();
    await tmp.cleanup();
  });
  return { app, store, clock };
}

describe('the producer budget counts messages', () => {
  it('charges a batch its size, refuses one that does not fit whole (429, Retry-After, nothing stored), and refills after the window', async () => {
    const { app, store, clock } = await start({ tokens, rateLimit: { max: 10, windowMs: 60_000 } });
    const send = (body: unknown, token = tokens[0]!.token) => app.inject({ method: 'POST', url: '/v1/queue/sms/send', headers: bearer(token), payload: body as object });
    expect((await send({ messages: Array.from({ length: 8 }, (_, i) => msg(i)) })).statusCode).toBe(201);
    const refused = await send({ messages: Array.from({ length: 5 }, (_, i) => msg(i)) });
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringContaining('2 left') });
    expect(Number(refused.headers['retry-after'])).toBe(60);
    expect(store.live.size).toBe(8);
    // The refused batch cost nothing: 2 still fit, then nothing.
    expect((await send({ messages: [msg(1), msg(2)] })).statusCode).toBe(201);
    expect((await send(msg(3))).statusCode).toBe(429);
    expect(store.live.size).toBe(10);
    // Another token has its own budget (a token named __proto__ too).
    expect((await send(msg(4), tokens[1]!.token)).statusCode).toBe(201);
    clock.advance(30_000);
    expect(Number((await send(msg(5))).headers['retry-after'])).toBe(30);
    clock.advance(30_000);
    expect((await send(msg(6))).statusCode).toBe(201);
  });

  it('refuses a batch larger than the whole budget, saying so', async () => {
    const { app, store } = await start({ tokens, rateLimit: { max: 10, windowMs: 60_000 } });
    const r = await app.inject({ method: 'POST', url: '/v1/queue/sms/send', headers: bearer(tokens[0]!.token), payload: { messages: Array.from({ length: 11 }, (_, i) => msg(i)) } });
    expect(r.statusCode).toBe(429);
    expect(r.json().message).toMatch(/batch of 11 messages exceeds the rate limit of 10 messages per 60 s/);
    expect(store.live.size).toBe(0);
  });

  it('limits the task listing and the other producer reads per request, apart from sends', async () => {
    const { app } = await start({ tokens, rateLimit: { max: 3, windowMs: 60_000 } });
    const get = (url: string) => app.inject({ method: 'GET', url, headers: bearer(tokens[0]!.token) });
    const codes = [];
    for (const url of ['/v1/queue/sms/tasks', '/v1/queue/sms/tasks?limit=5', '/v1/queue/sms/inbox', '/v1/queue/sms/tasks', '/v1/queue/sms/tasks/abc']) codes.push((await get(url)).statusCode);
    expect(codes).toEqual([200, 200, 200, 429, 429]);
    expect((await app.inject({ method: 'POST', url: '/v1/queue/sms/send', headers: bearer(tokens[0]!.token), payload: msg(0) })).statusCode).toBe(201);
  });
});

describe('failed authentication', () => {
  it('is limited per address: after 20 failures that address gets 429 even with a good token, others are unaffected', async () => {
    const { app, clock } = await start({ tokens });
    const send = (token: string, remoteAddress: string) => app.inject({ method: 'POST', url: '/v1/queue/sms/send', headers: bearer(token), payload: msg(0), remoteAddress });
    for (let i = 0; i < 20; i++) expect((await send(`wrong-token-guess-${i}-abcdef`, '192.0.2.7')).statusCode).toBe(401);
    const blocked = await send(tokens[0]!.token, '192.0.2.7');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json()).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringContaining('failed authentications') });
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect((await send(tokens[0]!.token, '192.0.2.8')).statusCode).toBe(201);
    // Without a token at all counts as a failure too; a good request does not.
    expect((await app.inject({ method: 'GET', url: '/v1/queue/sms/inbox', remoteAddress: '192.0.2.8' })).statusCode).toBe(401);
    // /healthz and /readyz stay open to the blocked address.
    expect((await app.inject({ method: 'GET', url: '/readyz', remoteAddress: '192.0.2.7' })).statusCode).toBe(200);
    clock.advance(60_000);
    expect((await send(tokens[0]!.token, '192.0.2.7')).statusCode).toBe(201);
  });

  it('is configurable (rateLimit.authFailures)', async () => {
    const { app } = await start({ tokens, rateLimit: { authFailures: 2 } });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await app.inject({ method: 'GET', url: '/v1/queue/sms/tasks', headers: bearer('not-a-token-at-all-xyz') })).statusCode);
    expect(codes).toEqual([401, 401, 429, 429]);
  });
});
