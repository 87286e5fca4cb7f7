import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../helpers/modem-harness.js';
import type { Arrival } from './receiver.js';
import { Bench, hook, SECRET } from './webhook-setup.js';

/** The receiver's side, written from the documented scheme only: HMAC-SHA256 of "<timestamp>.<raw body>". */
function verify(a: Arrival, secret: string): boolean {
  const ts = a.headers['x-katar-timestamp'];
  const sig = a.headers['x-katar-signature'];
  if (typeof ts !== 'string' || typeof sig !== 'string' || !sig.startsWith('sha256=')) return false;
  const mac = createHmac('sha256', secret);
  mac.update(Buffer.from(`${ts}.`, 'utf8'));
  mac.update(a.raw);
  const want = Buffer.from(mac.digest('hex'), 'utf8');
  const got = Buffer.from(sig.slice('sha256='.length), 'utf8');
  return want.length === got.length && timingSafeEqual(want, got);
}

let bench: Bench;
afterEach(() => bench.close());

describe('webhook signature', () => {
  it('signs the raw body and timestamp with the secret; the body is the event as JSON', async () => {
    bench = new Bench();
    const r = await bench.receiver();
    await bench.dispatcher([hook('app', r.url)]);
    await bench.log.append('sms.received', { from: '+61400000000', text: 'héllo ✓ 😀' }, 'sms');
    await until(() => r.delivered.length === 1, 10_000, 'one delivery');
    const a = r.delivered[0]!;
    expect(verify(a, SECRET)).toBe(true);
    expect(verify(a, `${SECRET}x`)).toBe(false);
    const ts = Number(a.headers['x-katar-timestamp']);
    expect(Number.isInteger(ts)).toBe(true);
    // Unix seconds of about now (a receiver's replay window), not milliseconds.
    expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(600);
    expect(a.headers['x-katar-event']).toBe('sms.received');
    expect(a.headers['x-katar-event-id']).toBe('1');
    expect(a.headers['content-type']).toBe('application/json');
    expect(JSON.parse(a.raw.toString('utf8'))).toEqual({ id: 1, type: 'sms.received', time: expect.any(String), queue: 'sms', data: { from: '+61400000000', text: 'héllo ✓ 😀' } });
    // A body changed by one byte no longer verifies.
    const tampered = { ...a, raw: Buffer.from(a.raw.toString('utf8').replace('1', '2'), 'utf8') };
    expect(verify(tampered, SECRET)).toBe(false);
  });

  it('sendTest posts a signed webhook.test event (id 0) once and says how it went', async () => {
    bench = new Bench();
    const r = await bench.receiver();
    const d = await bench.dispatcher([hook('app', r.url)]);
    const ok = await d.sendTest('app');
    expect(ok).toEqual({ ok: true, status: 204, ms: expect.any(Number) });
    expect(r.arrivals).toHaveLength(1);
    const a = r.arrivals[0]!;
    expect(a.event).toMatchObject({ id: 0, type: 'webhook.test', data: { webhook: 'app' } });
    expect(a.headers['x-katar-event']).toBe('webhook.test');
    expect(a.headers['x-katar-event-id']).toBe('0');
    expect(verify(a, SECRET)).toBe(true);

    r.mode = { answer: 'status', status: 503 };
    expect(await d.sendTest('app')).toEqual({ ok: false, status: 503, error: 'HTTP 503', ms: expect.any(Number) });
    await r.down();
    // The first try may still meet the kept-alive connection the receiver closed.
    const refused = await d.sendTest('app');
    expect(refused).toMatchObject({ ok: false, error: expect.stringMatching(/ECONNREFUSED|UND_ERR_SOCKET|ECONNRESET/) });
    expect(refused.status).toBeUndefined();
    // A test is no event: the subscription's cursor and counters did not move.
    expect(d.state()[0]).toMatchObject({ cursor: 0, delivered: 0, failedAttempts: 0, deadLetters: 0 });
  });

  it('sendTest and redeliver name a webhook: an unknown one is WEBHOOK_NOT_FOUND', async () => {
    bench = new Bench();
    const d = await bench.dispatcher([]);
    expect(() => d.sendTest('nope')).toThrow(expect.objectContaining({ code: 'WEBHOOK_NOT_FOUND' }));
    await expect(d.redeliver('nope')).rejects.toMatchObject({ code: 'WEBHOOK_NOT_FOUND' });
    expect(() => d.stateOf('nope')).toThrow(expect.objectContaining({ code: 'WEBHOOK_NOT_FOUND' }));
  });
});
