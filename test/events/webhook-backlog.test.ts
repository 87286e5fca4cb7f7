import { afterEach, describe, expect, it } from 'vitest';
import { BATCH_SIZE } from '../../src/events/webhook-subscription.js';
import { until } from '../helpers/modem-harness.js';
import { Bench, hook } from './webhook-setup.js';

const BACKLOG = 100_000;

let bench: Bench;
afterEach(() => bench.close());

/**
 * Counts what a subscription holds: the events handed out by reads that the receiver
 * has not had yet. A reader that takes a page only when the last is done never holds
 * more than one page, whatever the backlog.
 */
function watchHeld(bench: Bench, delivered: () => number): { most: () => number } {
  let handedOut = 0;
  let most = 0;
  bench.log.onRead = (page) => {
    handedOut += page.events.length;
    most = Math.max(most, handedOut - delivered());
  };
  return { most: () => most };
}

describe('a webhook with a large backlog', () => {
  it('reads a 100,000-event backlog a page at a time', async () => {
    bench = new Bench();
    const r = await bench.receiver();
    await bench.progress.saveCursor('app', 0);
    bench.log.fill(BACKLOG);
    const held = watchHeld(bench, () => r.arrivals.length);
    const d = await bench.dispatcher([hook('app', r.url)]);
    await until(() => r.delivered.length >= 350, 20_000, 'a few pages delivered');
    await d.stop();
    expect(bench.log.reads.length).toBeGreaterThanOrEqual(4);
    for (const read of bench.log.reads) expect(read.limit).toBeLessThanOrEqual(BATCH_SIZE);
    expect(held.most()).toBeLessThanOrEqual(BATCH_SIZE);
    // Pages were read only as they were needed, in order, from the cursor.
    expect(bench.log.reads.length).toBeLessThanOrEqual(Math.ceil(r.delivered.length / BATCH_SIZE) + 1);
    expect(bench.log.reads.map((x) => x.after)).toEqual(bench.log.reads.map((_, i) => i * BATCH_SIZE));
    expect(r.ids()).toEqual(Array.from({ length: r.delivered.length }, (_, i) => i + 1));
    expect(d.state()[0]!.backlog).toBe(BACKLOG - d.state()[0]!.cursor);
  });

  it('holds one page while its endpoint is dead', async () => {
    bench = new Bench();
    const r = await bench.receiver();
    r.mode = { answer: 'status', status: 503 };
    await bench.progress.saveCursor('app', 0);
    bench.log.fill(BACKLOG);
    const held = watchHeld(bench, () => 0);
    const d = await bench.dispatcher([hook('app', r.url)]);
    await until(() => d.state()[0]!.failedAttempts >= 20, 20_000, 'failures on the first event');
    // New events while it is stuck wake it, but it reads nothing more.
    bench.log.fill(1000);
    await until(() => d.state()[0]!.failedAttempts >= 40, 20_000, 'more failures');
    expect(bench.log.reads).toHaveLength(1);
    expect(held.most()).toBe(BATCH_SIZE);
    expect(new Set(r.arrivals.map((a) => a.event.id))).toEqual(new Set([1]));
    expect(d.state()[0]).toMatchObject({ cursor: 0, backlog: BACKLOG + 1000, deadLetters: 0 });
  });
});
