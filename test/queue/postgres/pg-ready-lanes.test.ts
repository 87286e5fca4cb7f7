/**
 * The mirror's ready lanes (pg-ready-lanes.ts) answer as a walk over every live task
 * would: random files, changes, removals and clock moves, against that walk.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mayTake } from '../../../src/queue/lease-filter.js';
import { ReadyLanes, type LiveTask } from '../../../src/queue/postgres/pg-ready-lanes.js';
import type { TaskStatus } from '../../../src/queue/task.js';

type Op =
  | { kind: 'put'; id: number; status: TaskStatus; priority: number; sendIn: number | undefined; backoff: number; modems: string[] | undefined }
  | { kind: 'drop'; id: number }
  | { kind: 'time'; wall: number; tick: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('put' as const),
    id: fc.integer({ min: 0, max: 12 }),
    status: fc.constantFrom<TaskStatus>('queued', 'queued', 'paused', 'in progress'),
    priority: fc.integer({ min: 0, max: 3 }),
    sendIn: fc.option(fc.integer({ min: -50, max: 200 }), { nil: undefined }),
    backoff: fc.integer({ min: 0, max: 200 }),
    modems: fc.constantFrom<string[] | undefined>(undefined, ['m0'], ['m1'], ['m0', 'm1']),
  }),
  fc.record({ kind: fc.constant('drop' as const), id: fc.integer({ min: 0, max: 12 }) }),
  fc.record({ kind: fc.constant('time' as const), wall: fc.integer({ min: 0, max: 120 }), tick: fc.integer({ min: 0, max: 120 }) }),
);

/** What a walk over every live task answers (pg-mirror.ts before the lanes). */
function walk(live: Iterable<LiveTask>, now: { wall: number; tick: number }, accept: { modem?: string } | undefined): { next: number | undefined; due: number | undefined } {
  let next: number | undefined;
  let due: number | undefined;
  for (const t of live) {
    if (t.status !== 'queued' || !mayTake(accept, t.modems)) continue;
    const wait = Math.max(t.sendAtMs === undefined ? 0 : t.sendAtMs - now.wall, t.readyTick - now.tick, 0);
    if (wait === 0 && (next === undefined || t.priority > next)) next = t.priority;
    if (due === undefined || wait < due) due = wait;
  }
  return { next, due };
}

describe('ready lanes of the PostgreSQL mirror', () => {
  it('nextPriority as the walk; msUntilDue 0 exactly when one is due, never later than the walk, undefined when none waits', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const live = new Map<string, LiveTask>();
        const lanes = new ReadyLanes((t) => t.status === 'queued' && live.get(t.id) === t);
        const now = { wall: 1000, tick: 1000 };
        let seq = 0;
        for (const o of ops) {
          if (o.kind === 'time') {
            now.wall += o.wall;
            now.tick += o.tick;
          } else if (o.kind === 'drop') live.delete(`t${o.id}`);
          else {
            const t: LiveTask = { id: `t${o.id}`, queue: 'sms', status: o.status, priority: o.priority, seq: ++seq, sendAtMs: o.sendIn === undefined ? undefined : now.wall + o.sendIn, readyTick: o.backoff ? now.tick + o.backoff : 0, modems: o.modems };
            live.set(t.id, t);
            if (t.status === 'queued') lanes.file(t);
          }
          for (const accept of [undefined, { modem: 'm0' }, { modem: 'm1' }]) {
            const want = walk(live.values(), now, accept);
            expect(lanes.nextPriority('sms', now, accept)).toBe(want.next);
            const due = lanes.msUntilDue('sms', now, accept);
            if (want.due === undefined) expect(due).toBeUndefined();
            else {
              expect(due === 0).toBe(want.due === 0);
              expect(due).toBeLessThanOrEqual(want.due);
              expect(due).toBeGreaterThan(want.due === 0 ? -1 : 0);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
