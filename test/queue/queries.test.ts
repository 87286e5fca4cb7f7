import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { applyRetention } from '../../src/queue/housekeeping.js';
import { listInbox, listTasks } from '../../src/queue/queries.js';
import { FileQueue } from '../../src/queue/file-queue.js';
import { FileStore } from '../../src/queue/store/file-store.js';
import type { Task, TaskStatus } from '../../src/queue/task.js';
import { testSettings } from '../helpers/queue-fixture.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const sms = (msg: string) => ({ data: { to: '+61404341143', msg }, parts: 1 });
const msgs = (tasks: Task[]): string[] => tasks.map((t) => t.data.msg);

/** Statuses `fill` leaves: m0..m11 in `sms`, one task in `bulk`. */
const STATUS: Record<string, TaskStatus> = { m0: 'done', m1: 'failed', m2: 'done', m3: 'in progress', m5: 'cancelled', m6: 'paused' };
const statusOf = (m: string): TaskStatus => STATUS[m] ?? 'queued';
const ALL = Array.from({ length: 12 }, (_, i) => `m${i}`);

describe('task and inbox listings', () => {
  let tmp: Awaited<ReturnType<typeof makeTmpDir>>;
  let store: FileStore;
  let q: FileQueue;
  const open = async (): Promise<void> => {
    store = await FileStore.open(tmp.dir);
    q = await FileQueue.open({ store, queues: { sms: testSettings(), bulk: testSettings() }, sweepIntervalMs: 0 });
  };

  beforeEach(async () => {
    tmp = await makeTmpDir();
    await open();
  });
  afterEach(async () => {
    q.close();
    await store.close();
    await tmp.cleanup();
  });

  async function fill(): Promise<Task[]> {
    const tasks = (await q.add('sms', ALL.map(sms))).map((r) => r.task);
    await q.add('bulk', [sms('other queue')]);
    const next = async (): Promise<Task> => (await q.lease('sms', 'w', 1))[0]!;
    await q.report('sms', 'w', [{ _id: (await next())._id, status: 'done' }]);
    await q.report('sms', 'w', [{ _id: (await next())._id, status: 'unknown', error: 'no answer after the PDU' }]);
    await q.report('sms', 'w', [{ _id: (await next())._id, status: 'done' }]);
    await next();
    await q.cancel('sms', tasks[5]!._id);
    await q.pause('sms', tasks[6]!._id);
    return tasks;
  }

  /** Every page from the start, following `next`. */
  async function everyPage(opts: { status?: TaskStatus; limit: number; maxScan?: number }): Promise<Task[][]> {
    const pages: Task[][] = [];
    let cursor: number | undefined;
    do {
      const page = await listTasks(q, 'sms', { ...opts, ...(cursor !== undefined && { cursor }) });
      pages.push(page.items);
      cursor = page.next === undefined ? undefined : Number(page.next);
    } while (cursor !== undefined && pages.length < 100);
    return pages;
  }

  it('pages live and finished tasks together, oldest first, with every status filter', async () => {
    await fill();
    for (const status of [undefined, 'queued', 'done', 'failed', 'in progress', 'cancelled', 'paused'] as const) {
      const want = ALL.filter((m) => status === undefined || statusOf(m) === status);
      for (const limit of [1, 2, 5, 100]) {
        const pages = await everyPage({ limit, ...(status && { status }) });
        expect(msgs(pages.flat())).toEqual(want);
        // Full pages until the last; a `next` only while more remain.
        expect(pages.map((p) => p.length)).toEqual(want.length ? Array.from({ length: Math.ceil(want.length / limit) }, (_, i) => Math.min(limit, want.length - i * limit)) : [0]);
      }
    }
    const first = await listTasks(q, 'sms', { limit: 3 });
    expect(first.next).toBe(String(first.items[2]!.seq));
    expect(first.items.map((t) => t.status)).toEqual(['done', 'failed', 'done']);
    expect(msgs((await listTasks(q, 'bulk', { limit: 10 })).items)).toEqual(['other queue']);
  });

  it('lists without walking the live map or the history (no copy, no sort per call)', async () => {
    await fill();
    const liveValues = vi.spyOn(store.live, 'values');
    const historyValues = vi.spyOn(store.history, 'values');
    await everyPage({ limit: 2, status: 'queued' });
    await everyPage({ limit: 4 });
    expect(liveValues).not.toHaveBeenCalled();
    expect(historyValues).not.toHaveBeenCalled();
  });

  it('a status filter that matches little returns short pages with a cursor, skipping and repeating nothing', async () => {
    await fill();
    const pages = await everyPage({ status: 'paused', limit: 10, maxScan: 2 });
    expect(pages.length).toBeGreaterThan(4);
    expect(msgs(pages.flat())).toEqual(['m6']);
    const queued = await everyPage({ status: 'queued', limit: 3, maxScan: 4 });
    expect(msgs(queued.flat())).toEqual(ALL.filter((m) => statusOf(m) === 'queued'));
  });

  it('lists tasks created after open, after a restart, and without those retention removed', async () => {
    await fill();
    await q.add('sms', [sms('m12')]);
    expect(msgs((await listTasks(q, 'sms', { limit: 100 })).items)).toEqual([...ALL, 'm12']);
    q.close();
    await store.close();
    await open();
    expect(msgs((await listTasks(q, 'sms', { limit: 100 })).items)).toEqual([...ALL, 'm12']);
    expect((await applyRetention(q, { historyDays: 1, inboxDays: 1 }, Date.now() + 2 * 86_400_000)).tasks).toBe(4);
    const left = [...ALL, 'm12'].filter((m) => !['done', 'failed', 'cancelled'].includes(statusOf(m)));
    expect(msgs((await listTasks(q, 'sms', { limit: 100 })).items)).toEqual(left);
    expect(q.taskOrder.size('sms')).toBe(left.length);
    expect(msgs((await everyPage({ limit: 3 })).flat())).toEqual(left);
  });

  it('pages the inbox by cursor and by instant, one queue at a time', async () => {
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < 7; i++) {
      await q.receive(i === 3 ? 'bulk' : 'sms', { from: '+15551234567', msg: `r${i}`, source: 'http', receivedAt: new Date(t0 + i * 60_000) });
    }
    const p1 = await listInbox(q, 'sms', { limit: 2 });
    const p2 = await listInbox(q, 'sms', { limit: 2, afterSeq: Number(p1.next) });
    const p3 = await listInbox(q, 'sms', { limit: 2, afterSeq: Number(p2.next) });
    expect([p1, p2, p3].map((p) => p.items.map((m) => m.msg))).toEqual([['r0', 'r1'], ['r2', 'r4'], ['r5', 'r6']]);
    expect(p3.next).toBe(String(p3.items[1]!.seq));
    expect(p1.next).toBe(String(p1.items[1]!.seq));
    const since = await listInbox(q, 'sms', { limit: 10, afterTime: new Date(t0 + 2 * 60_000) });
    expect(since.items.map((m) => m.msg)).toEqual(['r4', 'r5', 'r6']);
    expect((await listInbox(q, 'bulk', { limit: 10 })).items.map((m) => m.msg)).toEqual(['r3']);
    expect((await listInbox(q, 'sms', { limit: 10, afterSeq: p3.items[1]!.seq })).items).toEqual([]);
  });
});
