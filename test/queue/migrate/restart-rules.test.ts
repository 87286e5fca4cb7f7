/**
 * The restart rules `store migrate` applies to the live tasks of a stopped gateway: the
 * same outcomes as the file queue's own restart (orphaned-leases.ts, queue-indexes.ts).
 */
import { describe, expect, it } from 'vitest';
import { applyRestartRules } from '../../../src/queue/migrate/restart-rules.js';
import type { Task } from '../../../src/queue/task.js';
import { testSettings } from '../../helpers/queue-fixture.js';

const WALL = Date.parse('2026-06-01T12:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();

function leased(id: string, worker: string, o: { submitting?: boolean; attempts?: number; leaseMs?: number; queue?: string } = {}): Task {
  const started = WALL - 5_000;
  const earlier = Array.from({ length: (o.attempts ?? 1) - 1 }, (_, i) => ({ n: i + 1, worker, startedAt: iso(started - 60_000), endedAt: iso(started - 50_000), outcome: 'failed' as const, error: 'busy' }));
  return {
    _id: id, queue: o.queue ?? 'sms', seq: 1, data: { to: '+61404341143', msg: 'x' }, status: 'in progress', priority: 0, parts: 1,
    createdAt: iso(started), updatedAt: iso(started),
    lease: { worker, expiresAt: iso(started + (o.leaseMs ?? 60_000)), ...(o.submitting && { submitting: true }) },
    attempts: [...earlier, { n: earlier.length + 1, worker, startedAt: iso(started) }],
  };
}

const own = (w: string): boolean => w.startsWith('builtin:gw-1:');

describe('restart rules of store migrate', () => {
  it('requeues with a backoff a submitting lease when the queue resends on unknown outcome, and fails it after the last attempt', () => {
    const settings = new Map([['sms', testSettings({ resendOnUnknownOutcome: true, maxAttempts: 2 })]]);
    const plan = applyRestartRules([leased('a', 'builtin:gw-1:modem0', { submitting: true }), leased('b', 'builtin:gw-1:modem0', { submitting: true, attempts: 2 })], { settings, isLocalWorker: own, wall: WALL });
    expect(plan.live.map((r) => [r.task._id, r.task.status, r.readyInMs, r.task.notBefore])).toEqual([['a', 'queued', 1000, iso(WALL + 1000)]]);
    expect(plan.finished.map((t) => [t._id, t.status, t.attempts.at(-1)?.outcome, t.finishedAt])).toEqual([['b', 'failed', 'unknown', iso(WALL)]]);
    expect(plan.events.map((e) => [e.type, e.data._id, e.data.outcomeUnknown])).toEqual([['sms.failed', 'b', true]]);
    expect(plan.tally).toEqual({ requeued: 1, failedUnknown: 1, kept: 0, unconfigured: 0 });
  });

  it('keeps a remote lease at its own length, caps a backoff at the longest, leaves unconfigured queues alone', () => {
    const settings = new Map([['sms', testSettings({ retry: { initialDelayMs: 1000, factor: 2, maxDelayMs: 30_000 } })]]);
    const backingOff: Task = { ...leased('q', 'x'), status: 'queued', notBefore: iso(WALL + 3_600_000) };
    delete backingOff.lease;
    const other = leased('o', 'builtin:gw-1:modem0', { queue: 'gone' });
    const remote = leased('r', 'pi-remote', { leaseMs: 90_000 });
    const plan = applyRestartRules([remote, backingOff, other], { settings, isLocalWorker: own, wall: WALL });
    expect(plan.live.map((r) => [r.task._id, r.task.status, r.readyInMs, r.leaseMs])).toEqual([
      ['r', 'in progress', 0, 90_000],
      ['q', 'queued', 30_000, undefined],
      ['o', 'in progress', 0, 60_000],
    ]);
    expect(plan.live[0]!.task).toEqual(remote);
    expect(plan.live[2]!.task).toEqual(other);
    expect(plan.tally).toEqual({ requeued: 0, failedUnknown: 0, kept: 1, unconfigured: 1 });
  });
});
