import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../helpers/modem-harness.js';
import { Bench, hook } from './webhook-setup.js';

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

let bench: Bench;
afterEach(() => bench.close());

describe('webhook delivery', () => {
  it('delivers each subscription its own types, strictly in id order, woken by the log', async () => {
    bench = new Bench();
    const all = await bench.receiver();
    const sent = await bench.receiver();
    await bench.dispatcher([hook('all', all.url), hook('sent', sent.url, { events: ['sms.sent', 'sms.failed'] })]);
    // Appends from concurrent producers still get increasing ids, and go out in that order.
    const types = ['sms.queued', 'sms.sent', 'sms.failed', 'modem.state'] as const;
    await Promise.all(range(0, 59).map((i) => bench.log.append(types[i % 4]!, { i })));
    await until(() => all.delivered.length === 60 && sent.delivered.length === 30, 10_000, 'all deliveries');
    expect(all.ids()).toEqual(range(1, 60));
    expect(sent.delivered.map((a) => a.event.type).every((t) => t === 'sms.sent' || t === 'sms.failed')).toBe(true);
    const sentIds = sent.ids();
    expect(sentIds).toEqual([...sentIds].sort((a, b) => a - b));
    expect(new Set(sentIds).size).toBe(30);
    // Nothing was ever sent twice: each request was answered 2xx at once.
    expect(all.arrivals).toHaveLength(60);
  });

  it('a receiver down for a while gets every event, in order, once it is back', async () => {
    bench = new Bench();
    const r = await bench.receiver();
    const d = await bench.dispatcher([hook('app', r.url)]);
    await bench.append(2);
    await until(() => d.state()[0]!.delivered === 2, 10_000, 'first deliveries');
    await r.down();
    await bench.append(20);
    await until(() => d.state()[0]!.failedAttempts >= 5, 10_000, 'failed attempts while down');
    expect(d.state()[0]).toMatchObject({ cursor: 2, deadLetters: 0, lastError: expect.any(String) });
    await r.up();
    await until(() => r.delivered.length === 22, 10_000, 'every event after the receiver is back');
    expect(r.ids()).toEqual(range(1, 22));
    await until(() => bench.progress.cursorOf('app') === 22, 10_000, 'the cursor saved');
    expect(d.state()[0]).toMatchObject({ cursor: 22, backlog: 0, attempts: 0, delivered: 22, deadLetters: 0 });
  });

  it('an endpoint that never answers does not delay another subscription', async () => {
    bench = new Bench();
    const dead = await bench.receiver();
    dead.mode = { answer: 'hang' };
    const healthy = await bench.receiver();
    // The dead endpoint's first request waits out a long timeout: all of the healthy
    // subscription's deliveries happen while it is still pending.
    const d = await bench.dispatcher([hook('dead', dead.url, { timeoutMs: 120_000 }), hook('healthy', healthy.url)]);
    await bench.append(30);
    await until(() => d.stateOf('healthy').delivered === 30, 10_000, 'the healthy subscription served');
    expect(healthy.ids()).toEqual(range(1, 30));
    const deadState = d.stateOf('dead');
    expect(deadState).toMatchObject({ cursor: 0, attempts: 1, delivered: 0, failedAttempts: 0, deadLetters: 0 });
    expect(dead.arrivals.map((a) => a.event.id)).toEqual([1]);
    // Stop aborts the hanging request; the event was not taken care of, so the cursor stays.
    await d.stop();
    expect(bench.progress.cursorOf('dead')).toBe(0);
    expect(bench.progress.cursorOf('healthy')).toBe(30);
  });

  it('a timeout is a failed attempt, retried', async () => {
    bench = new Bench();
    const r = await bench.receiver();
    r.mode = { answer: 'hang' };
    const d = await bench.dispatcher([hook('slow', r.url, { timeoutMs: 100 })]);
    await bench.append(1);
    await until(() => d.state()[0]!.failedAttempts >= 2, 10_000, 'two timeouts');
    expect(d.state()[0]!.lastError).toBe('no answer within 100 ms');
    r.mode = { answer: 'ok' };
    await until(() => d.state()[0]!.delivered === 1, 10_000, 'delivered after the timeouts');
    expect(d.state()[0]).toMatchObject({ cursor: 1, attempts: 0 });
    expect(r.delivered.map((a) => a.event.id)).toEqual([1]);
  });

  it('resumes after a stop from the durable cursor', async () => {
    bench = new Bench();
    const r = await bench.receiver();
    const first = await bench.dispatcher([hook('app', r.url)]);
    await bench.append(5);
    await until(() => first.state()[0]!.delivered === 5, 10_000, 'first deliveries');
    await first.stop();
    expect(bench.progress.cursorOf('app')).toBe(5);
    await bench.append(4);
    await bench.dispatcher([hook('app', r.url)]);
    await until(() => r.delivered.length === 9, 10_000, 'events appended while stopped');
    expect(r.ids()).toEqual(range(1, 9));
  });

  it('saves the cursor in batches, and at stop', async () => {
    bench = new Bench();
    const r = await bench.receiver();
    // A save interval beyond the test: only the first start and the stop save.
    const d = await bench.dispatcher([hook('app', r.url)], { retryDelayMs: () => 10, saveEveryMs: 3_600_000, safetyPollMs: 600_000 });
    expect(bench.progress.saves.get('app')).toBe(1);
    await bench.append(50);
    await until(() => d.state()[0]!.delivered === 50, 10_000, 'deliveries');
    expect(bench.progress.cursorOf('app')).toBe(0);
    await d.stop();
    expect(bench.progress.cursorOf('app')).toBe(50);
    expect(bench.progress.saves.get('app')).toBe(2);
  });

  it('a new subscription starts after the newest event, not with the past', async () => {
    bench = new Bench();
    const r = await bench.receiver();
    await bench.append(7);
    const d = await bench.dispatcher([hook('fresh', r.url)]);
    expect(bench.progress.cursorOf('fresh')).toBe(7);
    expect(d.state()[0]).toMatchObject({ cursor: 7, backlog: 0 });
    await bench.append(1);
    await until(() => r.delivered.length === 1, 10_000, 'the first new event');
    expect(r.ids()).toEqual([8]);
  });

  it('skips events retention removed before they could be delivered', async () => {
    bench = new Bench();
    const r = await bench.receiver();
    await bench.progress.saveCursor('late', 0);
    await bench.append(10);
    bench.log.removeUpTo(6);
    const d = await bench.dispatcher([hook('late', r.url)]);
    await until(() => d.state()[0]!.delivered === 4, 10_000, 'the events kept');
    expect(r.ids()).toEqual([7, 8, 9, 10]);
    expect(d.state()[0]).toMatchObject({ cursor: 10, expired: 6 });
    expect(bench.capture.lines.some((l) => l.includes('retention'))).toBe(true);
  });
});
