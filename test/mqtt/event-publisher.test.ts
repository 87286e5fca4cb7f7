import { afterEach, describe, expect, it } from 'vitest';
import { EVENT_WINDOW, EventPublisher } from '../../src/mqtt/event-publisher.js';
import type { GatewayEvent } from '../../src/queue/gateway-event.js';
import { captureLogger, MemoryEventLog, MemoryProgress } from '../helpers/memory-event-log.js';
import { until } from '../helpers/modem-harness.js';

/**
 * The event publisher's own rules, with the broker's acknowledgements in the test's hands
 * (the bridge tests run it against mosquitto): order, the bounded window, the cursor over
 * contiguous acknowledgements only, resuming, retention overtaking it, refusals retried.
 */
const NAME = 'mqtt:test';
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

interface Pending {
  event: GatewayEvent;
  ack: () => void;
  refuse: () => void;
}

function publisher(log: MemoryEventLog, progress: MemoryProgress) {
  const pending: Pending[] = [];
  const published: number[] = [];
  const { logger, lines } = captureLogger();
  const p = new EventPublisher({
    log,
    progress,
    name: NAME,
    holder: 'box-a',
    publish: (event) =>
      new Promise<void>((resolve, reject) => {
        published.push(event.id);
        pending.push({ event, ack: resolve, refuse: () => reject(new Error('Publish error: Not authorized')) });
      }),
    onOutcome: () => undefined,
    logger,
    timing: { saveEveryMs: 5, refusedRetryMs: 10 },
  });
  stops.push(() => p.close());
  /** Acknowledges the pending publishes whose id `which` picks (all by default). */
  const ack = (which: (id: number) => boolean = () => true): void => {
    for (const x of pending.filter((x) => which(x.event.id))) {
      pending.splice(pending.indexOf(x), 1);
      x.ack();
    }
  };
  return { p, pending, published, ack, lines };
}

describe('EventPublisher', () => {
  it('starts after the newest event at its first start, then publishes in id order', async () => {
    const log = new MemoryEventLog();
    const progress = new MemoryProgress();
    log.fill(5);
    const { p, published, ack } = publisher(log, progress);
    await p.start();
    expect(progress.cursorOf(NAME)).toBe(5);
    log.fill(3);
    await until(() => published.length === 3);
    expect(published).toEqual([6, 7, 8]);
    ack();
    await until(() => progress.cursorOf(NAME) === 8);
  });

  it('holds at most the window in flight and advances the cursor over contiguous acknowledgements only', async () => {
    const log = new MemoryEventLog();
    const progress = new MemoryProgress();
    await progress.saveCursor(NAME, 0);
    log.fill(250);
    const { p, pending, published, ack } = publisher(log, progress);
    await p.start();
    await until(() => published.length === EVENT_WINDOW);
    await new Promise((r) => setTimeout(r, 50));
    expect(pending).toHaveLength(EVENT_WINDOW);
    ack((id) => id === 2 || id === 3);
    await new Promise((r) => setTimeout(r, 30));
    expect(p.cursor).toBe(0); // 1 still unacknowledged
    ack((id) => id === 1);
    await until(() => p.cursor === 3);
    await until(() => published.length === EVENT_WINDOW + 3); // room for three more
    for (let i = 0; i < 10 && pending.length; i++) {
      ack();
      await new Promise((r) => setTimeout(r, 20));
    }
    await until(() => p.cursor === 250);
    expect(published).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
  });

  it('resumes after the saved cursor: what was in flight at the stop is published again', async () => {
    const log = new MemoryEventLog();
    const progress = new MemoryProgress();
    await progress.saveCursor(NAME, 0);
    log.fill(10);
    const first = publisher(log, progress);
    await first.p.start();
    await until(() => first.published.length === 10);
    first.ack((id) => id <= 4);
    await until(() => first.p.cursor === 4);
    await first.p.close();
    expect(progress.cursorOf(NAME)).toBe(4);
    const second = publisher(log, progress);
    await second.p.start();
    await until(() => second.published.length === 6);
    expect(second.published).toEqual([5, 6, 7, 8, 9, 10]);
  });

  it('warns with how many events retention removed before they were published, and goes on from the oldest kept', async () => {
    const log = new MemoryEventLog();
    const progress = new MemoryProgress();
    await progress.saveCursor(NAME, 5);
    log.fill(60);
    log.removeUpTo(50);
    const { p, published, ack, lines } = publisher(log, progress);
    await p.start();
    await until(() => published.length === 10);
    expect(published[0]).toBe(51);
    expect(p.expired).toBe(45);
    const warning = lines.map((l) => JSON.parse(l) as { level: number; msg: string; lost?: number }).find((l) => l.level === 40);
    expect(warning).toMatchObject({ lost: 45 });
    expect(warning!.msg).toMatch(/up to 45 events were removed before they were published/);
    ack();
    await until(() => progress.cursorOf(NAME) === 60);
  });

  it('publishes a refused event again, never skipping it', async () => {
    const log = new MemoryEventLog();
    const progress = new MemoryProgress();
    await progress.saveCursor(NAME, 0);
    log.fill(3);
    const { p, pending, published, ack, lines } = publisher(log, progress);
    await p.start();
    await until(() => published.length === 3);
    pending.find((x) => x.event.id === 2)!.refuse();
    pending.splice(pending.findIndex((x) => x.event.id === 2), 1);
    ack();
    await until(() => p.cursor === 1);
    await until(() => published.length === 4);
    expect(published[3]).toBe(2);
    expect(p.cursor).toBe(1);
    ack();
    await until(() => p.cursor === 3);
    expect(lines.some((l) => l.includes('the broker refused an MQTT event publish'))).toBe(true);
  });
});
