import { appendFile, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isKatarError } from '../../src/errors.js';
import type { GatewayEvent } from '../../src/queue/gateway-event.js';
import { EVENT_TAIL } from '../../src/queue/store/event-index.js';
import { openQueue } from '../helpers/queue-fixture.js';

type Fixture = Awaited<ReturnType<typeof openQueue>>;
let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const msg = (text: string) => ({ data: { to: '+61404341143', msg: text }, parts: 1 });

async function all(q: Fixture['q'], after = 0): Promise<GatewayEvent[]> {
  const out: GatewayEvent[] = [];
  for (;;) {
    const page = await q.events.read(after, { limit: 1000 });
    out.push(...page.events);
    if (page.next === after) return out;
    after = page.next;
  }
}

describe('the event log of the file queue', () => {
  it('records each change as its event, in the order of the changes, with the task as data', async () => {
    fx = await openQueue({ maxAttempts: 1 });
    const q = fx.q;
    const [a, b, c] = await q.add('sms', [msg('a'), msg('b'), msg('c')]);
    await q.lease('sms', 'w', 2);
    await q.report('sms', 'w', [{ _id: a!.task._id, status: 'done' }]);
    await q.report('sms', 'w', [{ _id: b!.task._id, status: 'unknown', error: 'modem rebooted' }]);
    await q.cancel('sms', c!.task._id);
    await q.receive('sms', { from: '+4915112345678', msg: 'hi', source: 'test' });
    const events = await all(q);
    expect(events.map((e) => [e.id, e.type])).toEqual([
      [1, 'sms.queued'],
      [2, 'sms.queued'],
      [3, 'sms.queued'],
      [4, 'sms.sent'],
      [5, 'sms.failed'],
      [6, 'sms.cancelled'],
      [7, 'sms.received'],
    ]);
    expect(events[3]!.data).toMatchObject({ _id: a!.task._id, status: 'done', data: { to: '+61404341143', msg: 'a' } });
    expect(events[4]!.data).toMatchObject({ _id: b!.task._id, status: 'failed', outcomeUnknown: true });
    expect(String(events[4]!.data.reason)).toMatch(/outcome unknown/);
    expect(events[6]).toMatchObject({ queue: 'sms', data: { from: '+4915112345678', msg: 'hi' } });
    expect(q.events.bounds()).toEqual({ oldest: 1, newest: 7 });
  });

  it('emits an event only once it is durable, and a duplicate SMS makes none', async () => {
    fx = await openQueue();
    const q = fx.q;
    const seen: Array<{ id: number; readable: boolean }> = [];
    q.events.on('event', (ev) => {
      // Emitted after the commit: the event is already in the log for any reader.
      void q.events.read(ev.id - 1, { limit: 1 }).then((p) => seen.push({ id: ev.id, readable: p.events[0]?.id === ev.id }));
    });
    await q.receive('sms', { from: '+1', msg: 'x', source: 'test', dedupKey: 'k1' });
    await q.receive('sms', { from: '+1', msg: 'x', source: 'test', dedupKey: 'k1' });
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([{ id: 1, readable: true }]);
    // The event shows the entry as the inbox API does: the internal dedupe key stays inside.
    const [ev] = (await q.events.read(0, { limit: 1 })).events;
    expect(ev!.data).toMatchObject({ from: '+1', msg: 'x', source: 'test' });
    expect(ev!.data).not.toHaveProperty('dedupKey');
  });

  it('keeps ids increasing across a restart and reads old events from the file', async () => {
    fx = await openQueue();
    const n = 2500;
    expect(n).toBeGreaterThan(EVENT_TAIL * 2);
    for (let i = 0; i < n; i += 100) await fx.q.add('sms', Array.from({ length: 100 }, (_, k) => msg(`m${i + k}`)));
    const q = await fx.reopen();
    expect(q.events.bounds()).toEqual({ oldest: 1, newest: n });
    const first = await q.events.read(0, { limit: 3 });
    expect(first.events.map((e) => e.id)).toEqual([1, 2, 3]);
    expect(first.next).toBe(3);
    const middle = await q.events.read(777, { limit: 2 });
    expect(middle.events.map((e) => [e.id, e.data.data])).toEqual([
      [778, { to: '+61404341143', msg: 'm777' }],
      [779, { to: '+61404341143', msg: 'm778' }],
    ]);
    expect((await all(q)).map((e) => e.id)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    await q.add('sms', [msg('after restart')]);
    expect(q.events.bounds().newest).toBe(n + 1);
  });

  it('filters by type and moves the cursor past what it skipped', async () => {
    fx = await openQueue();
    const q = fx.q;
    await q.add('sms', [msg('a'), msg('b')]);
    await q.receive('sms', { from: '+1', msg: 'in', source: 'test' });
    await q.add('sms', [msg('c')]);
    const page = await q.events.read(0, { types: ['sms.received'], limit: 10 });
    expect(page.events.map((e) => [e.id, e.type])).toEqual([[3, 'sms.received']]);
    expect(page.next).toBe(4);
    expect(await q.events.read(4, { limit: 10 })).toEqual({ events: [], next: 4 });
  });

  it('retention keeps the newest events within the count, answers EVENTS_EXPIRED with the oldest id for an older cursor, and never reuses an id', async () => {
    fx = await openQueue();
    const q = fx.q;
    for (let i = 0; i < 30; i++) await q.add('sms', [msg(`m${i}`)]);
    const removed = await q.prune({ historyDays: 30, inboxDays: 30, maxEvents: 10 }, Date.now());
    expect(removed.events).toBe(20);
    expect(q.events.bounds()).toEqual({ oldest: 21, newest: 30 });
    const err = await q.events.read(5, { limit: 10 }).catch((e: unknown) => e);
    expect(isKatarError(err, 'EVENTS_EXPIRED')).toBe(true);
    expect((err as { details: { oldest: number } }).details.oldest).toBe(21);
    expect((await q.events.read(20, { limit: 100 })).events.map((e) => e.id)).toEqual([21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
    // Older than the age limit: all go but the newest.
    expect((await q.prune({ historyDays: 30, inboxDays: 30, eventDays: 1 }, Date.now() + 2 * 86_400_000)).events).toBe(9);
    const again = await fx.reopen();
    expect(again.events.bounds()).toEqual({ oldest: 30, newest: 30 });
    await again.add('sms', [msg('next')]);
    expect((await again.events.read(29, { limit: 10 })).events.map((e) => e.id)).toEqual([30, 31]);
  });

  it('cuts a torn event record at the end of the file (a write never acknowledged)', async () => {
    fx = await openQueue();
    await fx.q.add('sms', [msg('a')]);
    const file = join(fx.dir, 'events.jsonl');
    const size = (await stat(file)).size;
    await appendFile(file, '2 deadbeef {"id":2,"type":"sms.que');
    const q = await fx.reopen();
    expect(q.events.bounds()).toEqual({ oldest: 1, newest: 1 });
    expect((await stat(file)).size).toBe(size);
    await q.add('sms', [msg('b')]);
    expect((await all(q)).map((e) => e.id)).toEqual([1, 2]);
    expect((await readFile(file, 'utf8')).split('\n').filter(Boolean)).toHaveLength(2);
  });
});
