/**
 * One webhook configured on two boxes of a fleet (two PgQueues on one PostgreSQL, each
 * on the database's clock, each with its own dispatcher): every event reaches the
 * receiver once, from the box holding the claim; a box cut off from the database (dead,
 * as far as the fleet can tell: it never gives its claim up) is taken over after the
 * claim's ttl without a gap; a box that stops gives its claim up at once.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { WebhookDispatcher } from '../../src/events/webhook-dispatcher.js';
import { DbClock } from '../../src/queue/postgres/db-clock.js';
import { Database } from '../../src/queue/postgres/pg-pool.js';
import { PgQueue } from '../../src/queue/postgres/pg-queue.js';
import { captureLogger } from '../helpers/memory-event-log.js';
import { until } from '../helpers/modem-harness.js';
import { freshDatabase } from '../helpers/postgres.js';
import { tcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { Receiver } from './receiver.js';
import { FAST, hook } from './webhook-setup.js';

const provided = inject('postgres');
const queues = parseConfig({ queues: { sms: {} } }).queues;
/** Short claims: a dead box is taken over within a second. */
const TTL_MS = 600;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

interface Box {
  name: string;
  queue: PgQueue;
  webhooks: WebhookDispatcher;
  lines: string[];
}

/** A box: a PgQueue over `url` (its own pool and database clock) and a dispatcher holding as `name`. */
async function box(name: string, url: string, receiver: Receiver): Promise<Box> {
  const db = new Database({ url, size: 3 });
  const clock = await DbClock.open(db, 0);
  const queue = await PgQueue.open({ db, queues, clock, sweepIntervalMs: 0, pollMs: 0, owned: [async () => clock.close(), () => db.close()] });
  cleanups.push(() => queue.close());
  const { logger, lines } = captureLogger();
  const webhooks = new WebhookDispatcher({ webhooks: [hook('crm', receiver.url)], log: queue.events, progress: queue.subscriptions, holder: name, logger, timing: { ...FAST, claimTtlMs: TTL_MS } });
  cleanups.push(() => webhooks.stop());
  await webhooks.start();
  return { name, queue, webhooks, lines };
}

async function setup(): Promise<{ url: string; receiver: Receiver }> {
  const d = await freshDatabase(provided.url!);
  cleanups.push(() => d.drop());
  const receiver = await Receiver.start();
  cleanups.push(() => receiver.close());
  return { url: d.url, receiver };
}

/** Box A reaches the database through a proxy that the test can take down. */
async function behindProxy(url: string): Promise<{ url: string; proxy: TcpProxy }> {
  const u = new URL(url);
  const proxy = await tcpProxy(Number(u.port));
  cleanups.push(() => proxy.close());
  u.port = String(proxy.port);
  return { url: u.toString(), proxy };
}

async function append(q: PgQueue, n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push((await q.events.append('modem.state', { name: 'modem0', state: 'ready', n: i })).id);
  return ids;
}

/** How often each id arrived at the receiver. */
function countsById(r: Receiver): Map<number, number> {
  const m = new Map<number, number>();
  for (const id of r.ids()) m.set(id, (m.get(id) ?? 0) + 1);
  return m;
}

const delivered = (r: Receiver, ids: number[]): boolean => ids.every((id) => r.ids().includes(id));

describe.skipIf(!provided.url)(`webhooks in a fleet${provided.url ? '' : ` (skipped: ${provided.reason})`}`, () => {
  it('two boxes with the same webhook deliver each event once, from the box holding the claim', async () => {
    const { url, receiver } = await setup();
    const a = await box('box-a', url, receiver);
    const b = await box('box-b', url, receiver);
    const ids: number[] = [];
    for (let i = 0; i < 10; i++) ids.push(...(await append(i % 2 === 0 ? a.queue : b.queue, 3)));
    await until(() => delivered(receiver, ids), 10_000, `every event delivered (got ${receiver.ids().join(',')})`);
    // Time for a second delivery to show, were there one: several claim periods.
    await new Promise((r) => setTimeout(r, 3 * TTL_MS));
    expect([...countsById(receiver).entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect(receiver.ids()).toEqual(ids);
    expect(a.webhooks.stateOf('crm')).toMatchObject({ claim: 'held', deliveredBy: 'box-a', delivered: ids.length });
    // The box standing by follows the holder's cursor.
    await until(() => b.webhooks.stateOf('crm').cursor === ids.at(-1), 5000, 'box-b follows the cursor');
    expect(b.webhooks.stateOf('crm')).toMatchObject({ claim: 'standby', deliveredBy: 'box-a', delivered: 0 });
  });

  it('a box cut off from the database is taken over after the ttl: no event missing; it does not move the cursor back when it returns', async () => {
    const { url, receiver } = await setup();
    const cut = await behindProxy(url);
    const a = await box('box-a', cut.url, receiver);
    const b = await box('box-b', url, receiver);
    const first = await append(b.queue, 5);
    await until(() => delivered(receiver, first), 10_000, 'box-a delivers');
    expect(a.webhooks.stateOf('crm').claim).toBe('held');
    // Box A vanishes from the fleet's view: it cannot renew, nor give its claim up.
    await cut.proxy.down();
    const later: number[] = [];
    for (let i = 0; i < 20; i++) {
      later.push(...(await append(b.queue, 1)));
      await new Promise((r) => setTimeout(r, TTL_MS / 10));
    }
    await until(() => delivered(receiver, later), 10_000, 'box-b delivers after taking over');
    expect(b.webhooks.stateOf('crm')).toMatchObject({ claim: 'held', deliveredBy: 'box-b' });
    expect(a.webhooks.stateOf('crm').claim).toBe('standby');
    expect(b.lines.some((l) => l.includes('taken over from box-a'))).toBe(true);
    expect(a.lines.some((l) => l.includes('stopped delivering webhook \\"crm\\" from this box'))).toBe(true);
    // At least once: repeats of the events around the takeover are allowed, gaps are not.
    const all = [...first, ...later];
    expect([...countsById(receiver).keys()].sort((x, y) => x - y)).toEqual(all);
    // Box A comes back: it stands by, and whatever it saves late leaves the fleet's cursor where box B has it.
    await cut.proxy.up();
    await until(() => b.webhooks.stateOf('crm').cursor === all.at(-1), 5000, 'box-b cursor');
    await new Promise((r) => setTimeout(r, 3 * TTL_MS));
    expect((await b.queue.subscriptions.load('crm')).cursor).toBe(all.at(-1));
    expect(a.webhooks.stateOf('crm')).toMatchObject({ claim: 'standby', deliveredBy: 'box-b', cursor: all.at(-1) });
    const more = await append(a.queue, 3);
    await until(() => delivered(receiver, more), 10_000, 'box-b delivers what box-a appends');
    expect(more.map((id) => countsById(receiver).get(id))).toEqual([1, 1, 1]);
  });

  it('a box that stops gives its claim up: the other goes on from its cursor at once, without repeats', async () => {
    const { url, receiver } = await setup();
    const a = await box('box-a', url, receiver);
    const b = await box('box-b', url, receiver);
    const first = await append(a.queue, 5);
    // Delivered as box A sees it (answered), not only arrived: a request in flight at stop is sent again.
    await until(() => a.webhooks.stateOf('crm').cursor === first.at(-1), 10_000, 'box-a delivers');
    await a.webhooks.stop();
    expect(a.lines.some((l) => l.includes('gave up delivering webhook'))).toBe(true);
    await until(() => b.webhooks.stateOf('crm').claim === 'held', 5000, 'box-b holds within a poll or two');
    const later = await append(b.queue, 5);
    await until(() => delivered(receiver, later), 10_000, 'box-b delivers');
    expect(receiver.ids()).toEqual([...first, ...later]);
  });
});
