import { afterEach, describe, expect, it } from 'vitest';
import { EventPublisher } from '../../src/mqtt/event-publisher.js';
import type { ClaimAnswer } from '../../src/queue/sms-queue.js';
import { captureLogger, MemoryEventLog, MemoryProgress } from '../helpers/memory-event-log.js';
import { until } from '../helpers/modem-harness.js';

/**
 * The event publisher's claim (the bridge's fleet test runs it on PostgreSQL and
 * mosquitto): the first start takes over the cursor of the older per-client name; of two
 * publishers on one store only the holder publishes, and when it is cut off from the
 * store the other takes over after the ttl, with nothing missing.
 */
const NAME = 'mqtt:katar-sms';
const TTL_MS = 300;
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

/** A shared store whose claims fail for the holders cut off from it. */
class CuttableProgress extends MemoryProgress {
  readonly cut = new Set<string>();

  override async claim(name: string, holder: string, ttlMs: number): Promise<ClaimAnswer> {
    if (this.cut.has(holder)) throw new Error('connection refused');
    return super.claim(name, holder, ttlMs);
  }
}

/** A publisher whose broker acknowledges every publish at once. */
function publisher(log: MemoryEventLog, progress: MemoryProgress, holder: string, legacyName?: string) {
  const published: number[] = [];
  const { logger, lines } = captureLogger();
  const p = new EventPublisher({
    log,
    progress,
    name: NAME,
    holder,
    ...(legacyName !== undefined && { legacyName }),
    publish: async (event) => void published.push(event.id),
    onOutcome: () => undefined,
    logger,
    timing: { saveEveryMs: 5, claimTtlMs: TTL_MS },
  });
  stops.push(() => p.close());
  return { p, published, lines };
}

describe('EventPublisher claims', () => {
  it('takes over the cursor of the per-client name at its first start: an upgraded box skips nothing', async () => {
    const log = new MemoryEventLog();
    const progress = new MemoryProgress();
    log.fill(5);
    await progress.saveCursor('mqtt:katar-sms-gw1', 3);
    log.fill(2);
    const { p, published, lines } = publisher(log, progress, 'gw1', 'mqtt:katar-sms-gw1');
    await p.start();
    await until(() => published.length === 4);
    expect(published).toEqual([4, 5, 6, 7]);
    await until(() => progress.cursorOf(NAME) === 7);
    expect(lines.some((l) => l.includes('go on from the cursor kept as mqtt:katar-sms-gw1'))).toBe(true);
  });

  it('only the holder publishes; cut off from the store, it stops and the other takes over without a gap', async () => {
    const log = new MemoryEventLog();
    const progress = new CuttableProgress();
    const a = publisher(log, progress, 'box-a');
    const b = publisher(log, progress, 'box-b');
    await a.p.start();
    await b.p.start();
    expect([a.p.publishing, b.p.publishing]).toEqual([true, false]);
    log.fill(20);
    await until(() => a.published.length === 20);
    await new Promise((r) => setTimeout(r, TTL_MS));
    expect(b.published).toEqual([]);
    progress.cut.add('box-a');
    for (let i = 0; i < 20; i++) {
      log.fill(1);
      await new Promise((r) => setTimeout(r, TTL_MS / 10));
    }
    await until(() => b.p.publishing, 5000, 'box-b takes over');
    expect(a.p.publishing).toBe(false);
    const late = log.bounds().newest;
    log.fill(5);
    await until(() => b.published.includes(late + 5), 5000, 'box-b publishes');
    // Nothing missing; repeats only around the takeover, and box A published nothing after it lost the claim.
    expect(new Set([...a.published, ...b.published])).toEqual(new Set(Array.from({ length: late + 5 }, (_, i) => i + 1)));
    expect(a.published.filter((id) => id > late)).toEqual([]);
    expect(b.lines.some((l) => l.includes('taken over from box-a'))).toBe(true);
  });
});
