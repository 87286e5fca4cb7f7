/**
 * The event log and webhook progress of the PostgreSQL queue: numbered without gaps in
 * commit order across boxes, retention, dead letters.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { isKatarError } from '../../../src/errors.js';
import type { GatewayEvent } from '../../../src/queue/gateway-event.js';
import { Database } from '../../../src/queue/postgres/pg-pool.js';
import type { PgQueue } from '../../../src/queue/postgres/pg-queue.js';
import type { SmsQueue } from '../../../src/queue/sms-queue.js';
import { boxesOnFreshDatabase } from '../../helpers/pg-box.js';
import { TEST_EPOCH_MS, TestClock } from '../../helpers/test-clock.js';

const provided = inject('postgres');
const queues = parseConfig({ queues: { sms: {} } }).queues;
const sms = (to: string) => ({ data: { to, msg: `hello ${to}` }, parts: 1 });
const DAY = 86_400_000;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The database of the last boxes() call. */
let lastUrl = '';

async function boxes(n: number, clock = new TestClock()): Promise<PgQueue[]> {
  const fleet = await boxesOnFreshDatabase(provided.url!, n, { queues, clock }, cleanups);
  lastUrl = fleet.url;
  return fleet.boxes;
}

describe.skipIf(!provided.url)('the event log on PostgreSQL', () => {
  it('events of two boxes writing at once are numbered 1..n without gaps, each told once on each box', async () => {
    const [a, b] = await boxes(2);
    const toldA: GatewayEvent[] = [];
    const toldB: GatewayEvent[] = [];
    a!.events.on('event', (e) => toldA.push(e));
    b!.events.on('event', (e) => toldB.push(e));
    await Promise.all([...Array.from({ length: 20 }, (_, i) => a!.add('sms', [sms(`+1${i}`)])), ...Array.from({ length: 20 }, (_, i) => b!.add('sms', [sms(`+2${i}`)]))]);
    const page = await a!.events.read(0, { limit: 100 });
    expect(page.events.map((e) => e.id)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(page.events.every((e) => e.type === 'sms.queued' && e.queue === 'sms')).toBe(true);
    const until = Date.now() + 2_000;
    while ((toldA.length < 40 || toldB.length < 40) && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    for (const told of [toldA, toldB]) expect(told.map((e) => e.id).sort((x, y) => x - y)).toEqual(page.events.map((e) => e.id));
    expect(page.next).toBe(40);
    expect(a!.events.bounds()).toEqual({ oldest: 1, newest: 40 });
  });

  it('a box tells its listeners of the events another box appended (the SSE stream wakes on them)', async () => {
    const [a, b] = await boxes(2);
    const heard: number[] = [];
    b!.events.on('event', (e) => heard.push(e.id));
    await a!.add('sms', [sms('+1'), sms('+2')]);
    await b!.add('sms', [sms('+3')]);
    const until = Date.now() + 2_000;
    while (heard.length < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    expect(heard.sort((x, y) => x - y)).toEqual([1, 2, 3]);
    expect(b!.events.bounds().newest).toBe(3);
  });

  it('append stores a modem event; types filter a read', async () => {
    const [q] = await boxes(1);
    await q!.add('sms', [sms('+1')]);
    const ev = await q!.events.append('modem.state', { modem: 'm0', state: 'ready' });
    expect(ev).toMatchObject({ id: 2, type: 'modem.state', data: { modem: 'm0', state: 'ready' } });
    expect(ev.queue).toBeUndefined();
    expect((await q!.events.read(0, { types: ['modem.state'], limit: 10 })).events).toEqual([ev]);
  });

  it('retention runs on one box at a time, and judges age by the queue clock, not the caller\'s', async () => {
    const clock = new TestClock();
    const [a, b] = await boxes(2, clock);
    for (let i = 0; i < 3; i++) await a!.add('sms', [sms(`+${i}`)]);
    const policy = { historyDays: 1, inboxDays: 1, eventDays: 7 };
    // A box with a clock ten days ahead removes nothing: the rows carry the database's times.
    expect(await (b as SmsQueue).prune(policy, TEST_EPOCH_MS + 10 * DAY)).toEqual({ tasks: 0, sms: 0, events: 0 });
    clock.advance(10 * DAY);
    // While box a's retention run holds the lock, box b's run is skipped and removes nothing.
    const other = new Database({ url: lastUrl, size: 1 });
    cleanups.push(() => other.close());
    const during = await other.session(async (sql) => {
      await sql.query('SELECT pg_advisory_lock($1)', [0x6b617462]);
      try {
        return await b!.prune(policy);
      } finally {
        await sql.query('SELECT pg_advisory_unlock($1)', [0x6b617462]);
      }
    });
    expect(during).toEqual({ tasks: 0, sms: 0, events: 0, skipped: true });
    expect(b!.events.bounds()).toEqual({ oldest: 1, newest: 3 });
    expect(await b!.prune(policy)).toEqual({ tasks: 0, sms: 0, events: 2 });
  });

  it('retention removes old events but keeps the newest; a read from before them is EVENTS_EXPIRED', async () => {
    const clock = new TestClock();
    const [q] = await boxes(1, clock);
    for (let i = 0; i < 3; i++) await q!.add('sms', [sms(`+${i}`)]);
    clock.advance(10 * DAY);
    expect(await q!.prune({ historyDays: 1, inboxDays: 1, eventDays: 7 })).toEqual({ tasks: 0, sms: 0, events: 2 });
    expect(q!.events.bounds()).toEqual({ oldest: 3, newest: 3 });
    const err = await q!.events.read(1, { limit: 10 }).catch((e: unknown) => e);
    expect(isKatarError(err) && err.code).toBe('EVENTS_EXPIRED');
    expect((await q!.events.read(0, { limit: 10 })).events.map((e) => e.id)).toEqual([3]);
  });

  it('subscriptions keep a cursor and dead letters, one letter per event', async () => {
    const [a, b] = await boxes(2);
    expect(await a!.subscriptions.load('hook')).toEqual({ cursor: undefined, deadLetters: [] });
    await a!.subscriptions.saveCursor('hook', 7);
    const event: GatewayEvent = { id: 5, type: 'sms.sent', time: new Date(TEST_EPOCH_MS).toISOString(), data: {} };
    await a!.subscriptions.addDeadLetter('hook', { event, attempts: 3, reason: 'HTTP 500', at: event.time });
    await a!.subscriptions.addDeadLetter('hook', { event, attempts: 6, reason: 'timeout', at: event.time });
    expect(await b!.subscriptions.load('hook')).toEqual({ cursor: 7, deadLetters: [{ event, attempts: 6, reason: 'timeout', at: event.time }] });
    await b!.subscriptions.removeDeadLetter('hook', 5);
    expect((await a!.subscriptions.load('hook')).deadLetters).toEqual([]);
  });
});
