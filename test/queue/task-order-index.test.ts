import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeqColumn, STATE_DEAD } from '../../src/queue/seq-column.js';
import { HistoryIndex } from '../../src/queue/store/history-index.js';
import { TaskOrderIndex, type ScanQuery } from '../../src/queue/task-order-index.js';
import type { Task, TaskStatus } from '../../src/queue/task.js';

const LIVE: TaskStatus[] = ['queued', 'paused', 'in progress'];
const FINISHED: TaskStatus[] = ['done', 'failed', 'cancelled'];
const QUEUES = ['sms', 'bulk'];

/** The store's two sources, in memory: a live map and a real history index. */
class Sources {
  readonly live = new Map<string, Task>();
  readonly history = new HistoryIndex();
  readonly order = new TaskOrderIndex(this);
  #seq = 0;

  create(queue: string): Task {
    const t = { _id: `t${++this.#seq}`, queue, seq: this.#seq, status: 'queued' } as Task;
    this.live.set(t._id, t);
    this.order.append(t);
    return t;
  }

  finish(t: Task, status: TaskStatus): void {
    this.live.delete(t._id);
    this.history.set({ _id: t._id, queue: t.queue, seq: t.seq, status, finishedAt: '2026-01-01T00:00:00.000Z', pos: { offset: t.seq, length: 1 } });
  }

  /** Retention: history rewritten without `ids`, as the store's compaction does. */
  dropHistory(ids: Set<string>): void {
    const keep = [...this.history.values()].filter((m) => !ids.has(m._id));
    this.history.clear();
    for (const m of keep) this.history.set(m);
  }

  /** Everything of `queue` with `status`, in seq order: what paging must return. */
  expected(queue: string, status?: TaskStatus): number[] {
    const all = [...[...this.live.values()].map((t) => ({ queue: t.queue, seq: t.seq, status: t.status })), ...this.history.values()];
    return all.filter((t) => t.queue === queue && (status === undefined || t.status === status)).map((t) => t.seq).sort((a, b) => a - b);
  }
}

/** Pages through `queue` from the start, checking each page's shape on the way. */
function pageAll(s: Sources, queue: string, q: Omit<ScanQuery, 'after'>): number[] {
  const seen: number[] = [];
  let after = 0;
  for (let pages = 0; pages < 10_000; pages++) {
    const { rows, next } = s.order.scan(queue, { ...q, after });
    expect(rows.length).toBeLessThanOrEqual(q.limit);
    for (const r of rows) {
      const status = r.live?.status ?? r.meta!.status;
      if (q.status) expect(status).toBe(q.status);
      seen.push(r.seq);
    }
    if (next === undefined) return seen;
    expect(next).toBeGreaterThan(after);
    after = next;
  }
  throw new Error('paging did not end');
}

const op = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('create' as const), queue: fc.constantFrom(...QUEUES) }), weight: 4 },
  fc.record({ kind: fc.constant('live' as const), pick: fc.nat(), status: fc.constantFrom(...LIVE) }),
  fc.record({ kind: fc.constant('finish' as const), pick: fc.nat(), status: fc.constantFrom(...FINISHED) }),
  fc.record({ kind: fc.constant('retain' as const), picks: fc.array(fc.nat(), { maxLength: 5 }) }),
  fc.record({ kind: fc.constant('discard' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('rebuild' as const) }),
);

type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

function apply(s: Sources, ops: Op[]): void {
  for (const o of ops) {
    const live = [...s.live.values()];
    const finished = [...s.history.values()];
    const pick = <T>(xs: T[], n: number): T | undefined => (xs.length ? xs[n % xs.length] : undefined);
    if (o.kind === 'create') s.create(o.queue);
    else if (o.kind === 'live') {
      const t = pick(live, o.pick);
      if (t) s.live.set(t._id, { ...t, status: o.status });
    } else if (o.kind === 'finish') {
      const t = pick(live, o.pick);
      if (t) s.finish(t, o.status);
    } else if (o.kind === 'retain') {
      s.dropHistory(new Set(o.picks.map((n) => pick(finished, n)?._id).filter((id): id is string => id !== undefined)));
    } else if (o.kind === 'discard') {
      const t = pick(live, o.pick);
      if (t) s.live.delete(t._id); // a send whose commit failed: never acknowledged, gone
    } else s.order.rebuild();
  }
}

describe('task order index', () => {
  it('pages concatenate to exactly the sorted, filtered tasks, whatever the history of changes', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 150, size: 'max' }),
        fc.constantFrom(undefined, ...LIVE, ...FINISHED),
        fc.constantFrom(...QUEUES),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 15 }),
        (ops, status, queue, limit, maxScan) => {
          const s = new Sources();
          apply(s, ops);
          expect(pageAll(s, queue, { status, limit, maxScan })).toEqual(s.expected(queue, status));
          // Without the scan limit a page is full unless it is the last one.
          const { rows, next } = s.order.scan(queue, { after: 0, status, limit, maxScan: Infinity });
          if (next !== undefined) expect(rows).toHaveLength(limit);
          else expect(rows.map((r) => r.seq)).toEqual(s.expected(queue, status));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('builds from a store that already holds live and finished tasks of several queues', () => {
    const s = new Sources();
    const a = s.create('sms');
    const b = s.create('bulk');
    const c = s.create('sms');
    s.finish(a, 'done');
    s.finish(b, 'failed');
    const fresh = new TaskOrderIndex(s);
    expect(fresh.scan('sms', { after: 0, limit: 10, maxScan: 100 }).rows.map((r) => [r.seq, r.live?.status ?? r.meta?.status])).toEqual([[a.seq, 'done'], [c.seq, 'queued']]);
    expect(fresh.scan('bulk', { after: 0, status: 'failed', limit: 10, maxScan: 100 }).rows.map((r) => r.seq)).toEqual([b.seq]);
    expect(fresh.scan('nosuch', { after: 0, limit: 10, maxScan: 100 })).toEqual({ rows: [] });
  });

  it('compacts entries found dead once enough of them pile up', () => {
    const s = new Sources();
    const tasks = Array.from({ length: 3000 }, () => s.create('sms'));
    for (const t of tasks.slice(0, 2000)) s.finish(t, 'done');
    s.dropHistory(new Set(tasks.slice(0, 2000).map((t) => t._id)));
    expect(s.order.size('sms')).toBe(3000);
    const page = s.order.scan('sms', { after: 0, limit: 5, maxScan: 100_000 });
    expect(page.rows.map((r) => r.seq)).toEqual(tasks.slice(2000, 2005).map((t) => t.seq));
    expect(s.order.size('sms')).toBe(1000);
    expect(pageAll(s, 'sms', { limit: 333, maxScan: 100_000 })).toEqual(s.expected('sms'));
  });
});

describe('seq column', () => {
  it('keeps seq order when an entry arrives out of order, and finds the cursor by binary search', () => {
    const col = new SeqColumn();
    for (const seq of [1, 3, 5, 7, 9]) col.push(seq, `t${seq}`);
    col.push(4, 't4');
    col.push(0, 't0');
    expect(Array.from({ length: col.length }, (_, i) => col.seqAt(i))).toEqual([0, 1, 3, 4, 5, 7, 9]);
    expect(col.idAt(3)).toBe('t4');
    expect([-1, 0, 4, 8, 9].map((s) => col.firstAfter(s))).toEqual([0, 1, 4, 6, 7]);
  });

  it('drops dead entries on compaction and keeps the rest in order', () => {
    const seqs = Array.from({ length: 500 }, (_, i) => 500 - i);
    const col = SeqColumn.from(seqs, seqs.map((s) => `t${s}`), seqs.map(() => 0));
    for (let i = 0; i < col.length; i++) if (col.seqAt(i) % 3 !== 0) col.setState(i, STATE_DEAD);
    col.setState(0, STATE_DEAD); // seq 1, already dead: counted once
    expect(col.dead).toBe(334);
    col.compact();
    expect(col.length).toBe(166);
    expect(Array.from({ length: col.length }, (_, i) => col.idAt(i))).toEqual(Array.from({ length: 166 }, (_, i) => `t${(i + 1) * 3}`));
    expect(col.dead).toBe(0);
  });
});
