import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../helpers/modem-harness.js';
import { Bench, FAST, hook } from './webhook-setup.js';

let bench: Bench;
afterEach(() => bench.close());

describe('webhook dead letters', () => {
  it('gives an event up after maxAttempts, moves on, and redelivers it on request', async () => {
    bench = new Bench();
    const r = await bench.receiver();
    r.mode = { answer: 'status', status: 500 };
    const d = await bench.dispatcher([hook('app', r.url, { maxAttempts: 3 })]);
    await bench.append(2);
    await until(() => d.state()[0]!.deadLetters === 2, 10_000, 'two dead letters');
    // Three attempts each, then the next event: the loop moved on.
    expect(r.arrivals.map((a) => a.event.id)).toEqual([1, 1, 1, 2, 2, 2]);
    expect(bench.progress.deadLettersOf('app')).toEqual([
      { event: expect.objectContaining({ id: 1 }), attempts: 3, reason: 'HTTP 500', at: expect.any(String) },
      { event: expect.objectContaining({ id: 2 }), attempts: 3, reason: 'HTTP 500', at: expect.any(String) },
    ]);
    expect(d.state()[0]).toMatchObject({ cursor: 2, attempts: 0, failedAttempts: 6, delivered: 0, lastError: 'HTTP 500' });

    r.mode = { answer: 'ok' };
    await bench.append(1);
    await until(() => d.state()[0]!.delivered === 1, 10_000, 'the next event delivered');
    expect(await d.redeliver('app', [2])).toEqual({ redelivering: 1 });
    await until(() => d.state()[0]!.delivered === 2, 10_000, 'event 2 redelivered');
    expect(bench.progress.deadLettersOf('app').map((l) => l.event.id)).toEqual([1]);
    expect(await d.redeliver('app')).toEqual({ redelivering: 1 });
    await until(() => d.state()[0]!.delivered === 3, 10_000, 'event 1 redelivered');
    expect(r.ids()).toEqual([3, 2, 1]);
    expect(d.state()[0]).toMatchObject({ deadLetters: 0, redeliveries: 0, cursor: 3 });
    expect(bench.progress.deadLettersOf('app')).toEqual([]);
    expect(await d.redeliver('app')).toEqual({ redelivering: 0 });
  });

  it('sends redelivered letters oldest first, after the event in flight and before newer ones', async () => {
    bench = new Bench();
    const r = await bench.receiver();
    r.mode = { answer: 'status', status: 410 };
    const d = await bench.dispatcher([hook('app', r.url, { maxAttempts: 1 })]);
    await bench.append(3);
    await until(() => d.state()[0]!.deadLetters === 3, 10_000, 'three dead letters');
    await d.stop();
    // While stopped, new events arrive; after the restart event 4 is in flight (the
    // receiver holds it until the short timeout) when the letters are taken back.
    await bench.append(2);
    r.mode = { answer: 'hang' };
    const again = await bench.dispatcher([hook('app', r.url, { timeoutMs: 200 })]);
    await until(() => r.arrivals.some((a) => a.event.id === 4), 10_000, 'event 4 in flight');
    expect(await again.redeliver('app', [3, 1])).toEqual({ redelivering: 2 });
    r.mode = { answer: 'ok' };
    await until(() => r.delivered.length === 4, 10_000, 'letters and new events');
    expect(r.ids()).toEqual([4, 1, 3, 5]);
    expect(bench.progress.deadLettersOf('app').map((l) => l.event.id)).toEqual([2]);
  });

  it('keeps letters queued for redelivery stored until each is delivered, so a stop or crash loses none', async () => {
    bench = new Bench();
    const r = await bench.receiver();
    r.mode = { answer: 'status', status: 500 };
    const d = await bench.dispatcher([hook('app', r.url, { maxAttempts: 1 })]);
    await bench.append(2);
    await until(() => d.state()[0]!.deadLetters === 2, 10_000, 'two dead letters');
    r.mode = { answer: 'hang' };
    expect(await d.redeliver('app')).toEqual({ redelivering: 2 });
    // Asking again while they are queued queues nothing twice.
    expect(await d.redeliver('app', [1, 2])).toEqual({ redelivering: 0 });
    await until(() => r.arrivals.length === 3, 10_000, 'the first letter in flight');
    // What a crash at this moment would leave: both letters still stored.
    expect(d.state()[0]).toMatchObject({ redeliveries: 2, deadLetters: 2 });
    expect(bench.progress.deadLettersOf('app').map((l) => l.event.id)).toEqual([1, 2]);
    await d.stop();
    expect(bench.progress.deadLettersOf('app').map((l) => l.event.id)).toEqual([1, 2]);
    expect(bench.progress.cursorOf('app')).toBe(2);

    // After the restart: one delivered (removed), one given up again (one letter, updated).
    r.mode = { answer: 'ok' };
    const again = await bench.dispatcher([hook('app', r.url, { maxAttempts: 1 })]);
    expect(await again.redeliver('app', [2])).toEqual({ redelivering: 1 });
    await until(() => again.state()[0]!.delivered === 1, 10_000, 'event 2 redelivered');
    await until(() => again.state()[0]!.deadLetters === 1, 10_000, 'event 2 removed');
    r.mode = { answer: 'status', status: 503 };
    expect(await again.redeliver('app')).toEqual({ redelivering: 1 });
    await until(() => again.state()[0]!.failedAttempts === 1, 10_000, 'event 1 failed again');
    await until(() => again.state()[0]!.redeliveries === 0, 10_000, 'event 1 given up again');
    expect(bench.progress.deadLettersOf('app')).toEqual([{ event: expect.objectContaining({ id: 1 }), attempts: 1, reason: 'HTTP 503', at: expect.any(String) }]);
    expect(again.state()[0]!.deadLetters).toBe(1);
  });

  it('gives an event up once maxAgeMs has passed since its first attempt', async () => {
    bench = new Bench();
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const r = await bench.receiver();
    r.mode = { answer: 'status', status: 502 };
    const d = await bench.dispatcher([hook('app', r.url, { maxAttempts: 1000, maxAgeMs: 60_000 })], { ...FAST, now: () => clock });
    await bench.append(1);
    await until(() => d.state()[0]!.failedAttempts >= 3, 10_000, 'a few failures');
    expect(d.state()[0]!.deadLetters).toBe(0);
    clock += 60_000;
    await until(() => d.state()[0]!.deadLetters === 1, 10_000, 'given up by age');
    const [letter] = bench.progress.deadLettersOf('app');
    expect(letter!.attempts).toBeGreaterThanOrEqual(4);
    expect(letter!.attempts).toBeLessThan(1000);
    expect(letter).toMatchObject({ reason: 'HTTP 502', at: new Date(clock).toISOString() });
    expect(d.state()[0]).toMatchObject({ cursor: 1, attempts: 0, lastErrorAt: new Date(clock).toISOString() });
  });
});
