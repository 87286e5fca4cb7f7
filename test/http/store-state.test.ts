import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { KatarError, type ErrorCode } from '../../src/errors.js';
import { handleError } from '../../src/http/errors.js';
import type { StoreHealth } from '../../src/queue/store/file-store.js';
import { startHttp, type HttpHarness } from '../helpers/http-harness.js';

/**
 * A full disk from the HTTP side: refusals the client should retry carry Retry-After and
 * say what happened (never "internal error"); /readyz fails while the store cannot take
 * new sends, /healthz stays 200 and says "degraded", /metrics has the store gauges.
 */
describe('refusals to retry later', () => {
  it.each([
    ['QUEUE_FULL', 429, '5', 'queue "sms" holds 100000 live tasks, the most allowed'],
    ['STORAGE_FULL', 507, '60', "the gateway's disk is full: nothing was stored; retry later"],
    ['STORE_UNAVAILABLE', 503, '10', 'the gateway cannot write to its store right now: nothing was stored; retry later'],
    ['SHUTTING_DOWN', 503, '5', 'the gateway is stopping'],
  ] as Array<[ErrorCode, number, string, string]>)('%s answers %i with Retry-After %s s and a clear message', async (code, status, after, message) => {
    const app = Fastify({ logger: false });
    app.setErrorHandler(handleError);
    app.get('/', async () => {
      throw new KatarError(code, code === 'QUEUE_FULL' || code === 'SHUTTING_DOWN' ? message : 'ENOSPC: no space left on device, write /var/lib/katar-sms/journal-3.jsonl');
    });
    app.get('/hinted', async () => {
      throw new KatarError(code, message, { retryAfterMs: 2500 });
    });
    app.get('/hinted-s', async () => {
      throw new KatarError(code, message, { retryAfterSeconds: 30 });
    });
    const r = await app.inject({ method: 'GET', url: '/' });
    expect([r.statusCode, r.headers['retry-after'], r.json()]).toEqual([status, after, { error: expect.any(String), code, message }]);
    // The store's own text (paths, errno) stays in the log.
    expect(r.body).not.toContain('/var/lib');
    expect((await app.inject({ method: 'GET', url: '/hinted' })).headers['retry-after']).toBe('3');
    expect((await app.inject({ method: 'GET', url: '/hinted-s' })).headers['retry-after']).toBe('30');
    await app.close();
  });
});

describe('readiness and the store state', () => {
  let h: HttpHarness;
  afterEach(async () => h.close());

  /** The store reports this health (the real disk states are tried in test/reliability/gateway-on-full-disk.test.ts). */
  const setHealth = (health: StoreHealth): void => {
    (h.gateway.queue.store as unknown as { health: () => StoreHealth }).health = () => health;
  };

  it('/readyz is 200 while the store takes new sends, 503 with the reason while it cannot write or keeps its reserve', async () => {
    h = await startHttp({ tokens: [{ name: 'ops', token: 'admin-token-0123456789abcd', role: 'admin' }] });
    setHealth({ writable: true, acceptingNew: true, freeBytes: 5e9, reserveBytes: 64e6 });
    // Public, like /healthz: a load balancer has no token.
    const ready = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect([ready.statusCode, ready.json()]).toEqual([200, { status: 'ready', store: { writable: true, acceptingNew: true, freeBytes: 5e9, reserveBytes: 64e6 } }]);

    setHealth({ writable: true, acceptingNew: false, reason: 'free space 10 MB is below the reserve of 64 MB', freeBytes: 10e6, reserveBytes: 64e6 });
    const reserve = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect(reserve.statusCode).toBe(503);
    expect(reserve.headers['retry-after']).toBe('10');
    expect(reserve.json()).toMatchObject({ status: 'not ready', reasons: [expect.stringContaining('below the reserve of 64 MB')] });

    setHealth({ writable: false, acceptingNew: false, reason: 'ENOSPC', freeBytes: 0, reserveBytes: 64e6 });
    const full = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect([full.statusCode, full.json().reasons]).toEqual([503, ['the store cannot write: ENOSPC']]);
  });

  it('/readyz with built-in modems: 200 while one is ready, 503 naming each modem and its state while none is, 503 when the store is down even with a ready modem', async () => {
    h = await startHttp();
    const board = h.gateway.parts.modems;
    const report = (name: string, state: string): void => board.report({ name, state, updatedAt: new Date().toISOString() });
    const writable: StoreHealth = { writable: true, acceptingNew: true, freeBytes: 5e9, reserveBytes: 64e6 };
    setHealth(writable);
    // No modem on the board: a remote-workers-only gateway is ready on its store alone.
    expect((await h.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);

    report('modem0', 'sim-pin-required');
    const pin = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect([pin.statusCode, pin.headers['retry-after'], pin.json()]).toEqual([503, '10', { status: 'not ready', reasons: ['no modem can send: modem0 sim-pin-required'], store: writable }]);

    report('modem1', 'connecting');
    expect((await h.app.inject({ method: 'GET', url: '/readyz' })).json().reasons).toEqual(['no modem can send: modem0 sim-pin-required, modem1 connecting']);

    // One ready modem of two is enough to send.
    report('modem1', 'ready');
    const ready = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect([ready.statusCode, ready.json()]).toEqual([200, { status: 'ready', store: writable }]);

    setHealth({ writable: false, acceptingNew: false, reason: 'EIO', freeBytes: 5e9, reserveBytes: 64e6 });
    const down = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect([down.statusCode, down.json().reasons]).toEqual([503, ['the store cannot write: EIO']]);

    // Both at once: every reason is named.
    report('modem1', 'not-registered');
    expect((await h.app.inject({ method: 'GET', url: '/readyz' })).json().reasons).toEqual(['the store cannot write: EIO', 'no modem can send: modem0 sim-pin-required, modem1 not-registered']);
  });

  it('/healthz stays 200 and says "degraded" while the store cannot write; /metrics has katar_store_writable and katar_store_free_bytes', async () => {
    h = await startHttp();
    setHealth({ writable: false, acceptingNew: false, reason: 'ENOSPC', freeBytes: 0, reserveBytes: 64e6 });
    const health = await h.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({ status: 'degraded', store: { writable: false, acceptingNew: false, reason: 'ENOSPC', freeBytes: 0 } });
    const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('katar_store_writable 0\n');
    expect(metrics).toContain('katar_store_free_bytes 0\n');

    setHealth({ writable: true, acceptingNew: true, freeBytes: 123456, reserveBytes: 0 });
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).json()).toMatchObject({ status: 'ok', store: { writable: true } });
    const after = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(after).toContain('katar_store_writable 1\n');
    expect(after).toContain('katar_store_free_bytes 123456\n');
  });
});
