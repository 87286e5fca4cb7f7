/**
 * Delivery claims and cursors of the shared database (pg-subscriptions.ts): one holder at
 * a time, renewed by its holder, taken over once it ran out on the queue's clock, given up
 * at once by unclaim; a cursor that never moves back. The data directory grants every claim.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import type { PgQueue } from '../../../src/queue/postgres/pg-queue.js';
import type { SubscriptionProgress } from '../../../src/queue/sms-queue.js';
import { SubscriptionFiles } from '../../../src/queue/store/subscription-files.js';
import { boxesOnFreshDatabase } from '../../helpers/pg-box.js';
import { TestClock } from '../../helpers/test-clock.js';
import { makeTmpDir } from '../../helpers/tmp-dir.js';

const provided = inject('postgres');
const queues = parseConfig({ queues: { sms: {} } }).queues;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Two boxes over one fresh database, on one test clock. */
async function twoBoxes(): Promise<{ a: PgQueue; b: PgQueue; clock: TestClock }> {
  const clock = new TestClock();
  const { boxes } = await boxesOnFreshDatabase(provided.url!, 2, { queues, clock, poolSize: 2 }, cleanups);
  return { a: boxes[0]!, b: boxes[1]!, clock };
}

/** The retry of the event in flight: read back by another reader (box, or the next start), replaced, cleared, per name. */
async function retriesKept(write: SubscriptionProgress, read: () => SubscriptionProgress): Promise<void> {
  expect(await read().loadRetry('crm')).toBeUndefined();
  await write.saveRetry('crm', { eventId: 41, attempts: 2, sinceMs: 1_700_000_000_000 });
  await write.saveRetry('erp', { eventId: 7, attempts: 1, sinceMs: 1_700_000_000_500 });
  expect(await read().loadRetry('crm')).toEqual({ eventId: 41, attempts: 2, sinceMs: 1_700_000_000_000 });
  await write.saveRetry('crm', { eventId: 41, attempts: 3, sinceMs: 1_700_000_000_000 });
  expect(await read().loadRetry('crm')).toEqual({ eventId: 41, attempts: 3, sinceMs: 1_700_000_000_000 });
  await write.saveRetry('crm', undefined);
  await write.saveRetry('crm', undefined);
  expect(await read().loadRetry('crm')).toBeUndefined();
  expect(await read().loadRetry('erp')).toEqual({ eventId: 7, attempts: 1, sinceMs: 1_700_000_000_500 });
}

describe.skipIf(!provided.url)(`delivery claims on PostgreSQL${provided.url ? '' : ` (skipped: ${provided.reason})`}`, () => {
  it('one holder at a time: renewed by it, refused to others until it runs out, then taken over', async () => {
    const { a, b, clock } = await twoBoxes();
    expect(await a.subscriptions.claim('crm', 'box-a', 1000)).toEqual({ granted: true, holder: 'box-a' });
    expect(await b.subscriptions.claim('crm', 'box-b', 1000)).toEqual({ granted: false, holder: 'box-a' });
    // Another subscription is claimed on its own.
    expect(await b.subscriptions.claim('mqtt:katar-sms', 'box-b', 1000)).toEqual({ granted: true, holder: 'box-b' });
    clock.advance(900);
    expect(await a.subscriptions.claim('crm', 'box-a', 1000)).toEqual({ granted: true, holder: 'box-a' });
    clock.advance(900);
    // Renewed at 900: still live at 1800.
    expect(await b.subscriptions.claim('crm', 'box-b', 1000)).toEqual({ granted: false, holder: 'box-a' });
    clock.advance(101);
    expect(await b.subscriptions.claim('crm', 'box-b', 1000)).toEqual({ granted: true, holder: 'box-b' });
    expect(await a.subscriptions.claim('crm', 'box-a', 1000)).toEqual({ granted: false, holder: 'box-b' });
  });

  it('unclaim gives the claim up at once, and only its holder can', async () => {
    const { a, b } = await twoBoxes();
    await a.subscriptions.claim('crm', 'box-a', 60_000);
    await b.subscriptions.unclaim('crm', 'box-b');
    expect(await b.subscriptions.claim('crm', 'box-b', 60_000)).toEqual({ granted: false, holder: 'box-a' });
    await a.subscriptions.unclaim('crm', 'box-a');
    expect(await b.subscriptions.claim('crm', 'box-b', 60_000)).toEqual({ granted: true, holder: 'box-b' });
  });

  it('a cursor saved late by another box never moves the shared cursor back', async () => {
    const { a, b } = await twoBoxes();
    await a.subscriptions.saveCursor('crm', 10);
    await b.subscriptions.saveCursor('crm', 25);
    await a.subscriptions.saveCursor('crm', 12);
    expect((await a.subscriptions.load('crm')).cursor).toBe(25);
    await a.subscriptions.saveCursor('crm', 30);
    expect((await b.subscriptions.load('crm')).cursor).toBe(30);
  });

  it('keeps the retry of the event in flight for the other boxes', async () => {
    const { a, b } = await twoBoxes();
    await retriesKept(a.subscriptions, () => b.subscriptions);
  });
});

describe('delivery claims in the data directory', () => {
  it('are always granted (one gateway holds the directory), and a cursor never moves back', async () => {
    const dir = await makeTmpDir();
    cleanups.push(dir.cleanup);
    const files = new SubscriptionFiles(dir.dir);
    expect(await files.claim('crm', 'box-a', 1000)).toEqual({ granted: true, holder: 'box-a' });
    expect(await files.claim('crm', 'box-b', 1000)).toEqual({ granted: true, holder: 'box-b' });
    await files.unclaim('crm', 'box-b');
    await files.saveCursor('crm', 9);
    await files.saveCursor('crm', 4);
    expect((await new SubscriptionFiles(dir.dir).load('crm')).cursor).toBe(9);
  });

  it('keep the retry of the event in flight across a restart, beside the cursors', async () => {
    const dir = await makeTmpDir();
    cleanups.push(dir.cleanup);
    const files = new SubscriptionFiles(dir.dir);
    await files.saveCursor('crm', 9);
    await retriesKept(files, () => new SubscriptionFiles(dir.dir));
    expect((await new SubscriptionFiles(dir.dir).load('crm')).cursor).toBe(9);
  });
});
