/**
 * The attempts and age of an event that keeps failing survive a restart of the gateway (a
 * new dispatcher over the same progress): maxAttempts and maxAgeMs count from the first
 * attempt before it, so a gateway restarting often still gives a refused event up.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../helpers/modem-harness.js';
import { Bench, FAST, hook } from './webhook-setup.js';

let bench: Bench;
afterEach(() => bench.close());

describe('webhook retries across a restart', () => {
  it('goes on counting attempts: 2 before the restart and 3 after make the 5 of maxAttempts', async () => {
    bench = new Bench();
    const r = await bench.receiver();
    r.mode = { answer: 'status', status: 500 };
    // Before the restart: attempts 1 and 2 fail (the second after a short wait), then the gateway stops.
    const before = await bench.dispatcher([hook('app', r.url, { maxAttempts: 5 })], { ...FAST, retryDelayMs: (n) => (n === 1 ? 10 : 60_000) });
    await bench.append(1);
    await until(() => before.state()[0]!.failedAttempts === 2, 10_000, 'two failed attempts');
    expect(await bench.progress.loadRetry('app')).toMatchObject({ eventId: 1, attempts: 2 });
    await before.stop();
    // After it: the count goes on from 2, so the third attempt here is the fifth, and it is given up.
    const after = await bench.dispatcher([hook('app', r.url, { maxAttempts: 5 })], { ...FAST, retryDelayMs: (n) => (n >= 5 ? 60_000 : 10) });
    await until(() => after.state()[0]!.deadLetters === 1, 10_000, 'given up at the fifth attempt');
    expect(r.arrivals.map((a) => a.event.id)).toEqual([1, 1, 1, 1, 1]);
    expect(bench.progress.deadLettersOf('app')).toEqual([{ event: expect.objectContaining({ id: 1 }), attempts: 5, reason: 'HTTP 500', at: expect.any(String) }]);
    // Settled: nothing is being retried any more.
    expect(await bench.progress.loadRetry('app')).toBeUndefined();
  });

  it('goes on counting age: the first attempt before the restart starts maxAgeMs', async () => {
    bench = new Bench();
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const r = await bench.receiver();
    r.mode = { answer: 'status', status: 502 };
    const timing = { ...FAST, retryDelayMs: () => 10, now: () => clock };
    const before = await bench.dispatcher([hook('app', r.url, { maxAttempts: 1000, maxAgeMs: 60_000 })], timing);
    await bench.append(1);
    await until(() => before.state()[0]!.failedAttempts >= 1, 10_000, 'a failure');
    await before.stop();
    clock += 60_000;
    const after = await bench.dispatcher([hook('app', r.url, { maxAttempts: 1000, maxAgeMs: 60_000 })], timing);
    await until(() => after.state()[0]!.deadLetters === 1, 10_000, 'given up by age after the restart');
    // One attempt after the restart, the age counted from the first one before it.
    expect(after.state()[0]!.failedAttempts).toBe(1);
  });

  it('a delivered event clears what was kept, and the next failing event counts from 1', async () => {
    bench = new Bench();
    const r = await bench.receiver();
    r.mode = { answer: 'status', status: 503 };
    const d = await bench.dispatcher([hook('app', r.url, { maxAttempts: 3 })], { ...FAST, retryDelayMs: () => 30 });
    await bench.append(1);
    await until(() => d.state()[0]!.failedAttempts === 1, 10_000, 'a failure');
    r.mode = { answer: 'ok' };
    await until(() => d.state()[0]!.delivered === 1, 10_000, 'delivered on a retry');
    expect(await bench.progress.loadRetry('app')).toBeUndefined();
    r.mode = { answer: 'status', status: 503 };
    await bench.append(1);
    await until(() => d.state()[0]!.deadLetters === 1, 10_000, 'the second event given up');
    expect(bench.progress.deadLettersOf('app')[0]).toMatchObject({ event: expect.objectContaining({ id: 2 }), attempts: 3 });
  });
});
