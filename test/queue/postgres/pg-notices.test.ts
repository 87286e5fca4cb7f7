/**
 * What the boxes of a fleet tell each other (pg-task-notice.ts, the katar_events
 * notification): another box's mirror follows the columns a notification carries, or
 * reads the tasks that did not fit; its listeners hear the events of the types they want.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { forTypes } from '../../../src/queue/event-interest.js';
import type { GatewayEvent } from '../../../src/queue/gateway-event.js';
import { newTaskRecord } from '../../../src/queue/new-tasks.js';
import type { PgChanged } from '../../../src/queue/postgres/pg-batch.js';
import type { PgQueue } from '../../../src/queue/postgres/pg-queue.js';
import { taskNotice, type TaskNotice } from '../../../src/queue/postgres/pg-task-notice.js';
import { boxesOnFreshDatabase } from '../../helpers/pg-box.js';
import { TestClock } from '../../helpers/test-clock.js';

const provided = inject('postgres');
const queues = parseConfig({ queues: { sms: { leaseMs: 60_000, maxAttempts: 3 } } }).queues;
const sms = (to: string) => ({ data: { to, msg: `hello ${to}` }, parts: 1 });

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function boxes(n: number): Promise<PgQueue[]> {
  return (await boxesOnFreshDatabase(provided.url!, n, { queues, clock: new TestClock() }, cleanups)).boxes;
}

async function eventually(check: () => boolean, ms = 3_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const changed = (n: number, modems?: string[]): PgChanged[] =>
  Array.from({ length: n }, (_, i) => ({ task: newTaskRecord({ ...sms(`+61400${i}`), ...(modems && { modems }) }, 'sms', i + 1, Date.now(), new Date().toISOString()), from: null, readyTick: 0 }));

describe('the katar_tasks notification', () => {
  it('carries the columns of the tasks that fit, names the next ones, and past that names none', () => {
    const few = JSON.parse(taskNotice('box', changed(3), ['sms'], [])) as TaskNotice;
    expect(few.live?.map((x) => x[0])).toHaveLength(3);
    expect(few.read).toBeUndefined();
    for (const n of [60, 150, 400]) {
      const all = changed(n, ['modem0', 'modem1']);
      const text = taskNotice('box', all, ['sms'], []);
      expect(Buffer.byteLength(text)).toBeLessThan(8000);
      const msg = JSON.parse(text) as TaskNotice;
      const told = [...(msg.live ?? []).map((x) => x[0]), ...(msg.read ?? [])];
      // Every task either carried or named, in order; or none of them (read all).
      if (told.length) expect(told).toEqual(all.map((c) => c.task._id));
      else expect(msg.live ?? msg.read ?? msg.gone).toBeUndefined();
    }
    const overflow = JSON.parse(taskNotice('box', changed(150, ['modem0', 'modem1']), ['sms'], [])) as TaskNotice;
    expect(overflow.read?.length).toBeGreaterThan(0);
    expect(JSON.parse(taskNotice('box', changed(400, ['modem0', 'modem1']), ['sms'], []))).toEqual({ box: 'box', wake: ['sms'], finished: [] });
  });
});

describe.skipIf(!provided.url)(`notifications between boxes${provided.url ? '' : ` (skipped: ${provided.reason})`}`, () => {
  it('another box follows small and large adds, leases and finishes, and hands out in the same order', async () => {
    const [a, b] = await boxes(2);
    const small = await a!.add('sms', [sms('+61400000001'), sms('+61400000002')]);
    expect(small.map((x) => x.task.seq)).toEqual([small[0]!.task.seq, small[0]!.task.seq + 1]);
    await eventually(() => b!.counts('sms').queued === 2);
    // Too many for one payload: some are named and read again, or all live tasks are.
    for (const n of [150, 400]) {
      const before = b!.counts('sms').queued;
      const big = await a!.add('sms', Array.from({ length: n }, (_, i) => sms(`+6141${String(i).padStart(6, '0')}`)));
      const seqs = big.map((x) => x.task.seq);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      expect(new Set(seqs).size).toBe(n);
      expect((await a!.get('sms', big[n - 1]!.task._id)).seq).toBe(seqs[n - 1]);
      await eventually(() => b!.counts('sms').queued === before + n);
    }
    const [leased] = await a!.lease('sms', 'w', 1);
    expect(leased!._id).toBe(small[0]!.task._id);
    await eventually(() => b!.counts('sms')['in progress'] === 1);
    await a!.report('sms', 'w', [{ _id: leased!._id, status: 'done' }]);
    await eventually(() => b!.counts('sms').done === 1 && b!.counts('sms')['in progress'] === 0);
    const [next] = await b!.lease('sms', 'w2', 1);
    expect(next!._id).toBe(small[1]!.task._id);
  });

  it('a listener of some types hears another box events of those types, each once', async () => {
    const [a, b] = await boxes(2);
    const typed: GatewayEvent[] = [];
    const every: GatewayEvent[] = [];
    b!.events.on('event', forTypes(['sms.cancelled'], (e) => typed.push(e)));
    const added = await a!.add('sms', [sms('+61400000001'), sms('+61400000002'), sms('+61400000003')]);
    await a!.cancel('sms', added[1]!.task._id);
    await a!.add('sms', [sms('+61400000004')]);
    await eventually(() => typed.some((e) => e.type === 'sms.cancelled'));
    expect(typed.filter((e) => e.type === 'sms.cancelled').map((e) => e.data.id ?? e.id)).toHaveLength(1);
    // A listener that names no types hears them all from then on.
    b!.events.on('event', (e) => every.push(e));
    await a!.add('sms', [sms('+61400000005')]);
    await eventually(() => every.some((e) => e.type === 'sms.queued'));
    const ids = every.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
