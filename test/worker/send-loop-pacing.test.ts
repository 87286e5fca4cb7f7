import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ModemSending } from '../../src/config/modem-sending.js';
import { createLogger } from '../../src/log.js';
import type { ModemSessionApi } from '../../src/modem/session/types.js';
import type { TaskReport } from '../../src/queue/file-queue.js';
import { PacingGate, type PacingPause } from '../../src/worker/pacing.js';
import { SendLoop } from '../../src/worker/send-loop.js';
import type { LeasedTask, WorkSource } from '../../src/worker/work-source.js';

/** A modem that takes each PDU after `latencyMs` (fake time), noting when each submit started. */
function fakeSession(latencyMs: number): ModemSessionApi & { starts: number[] } {
  const s = Object.assign(new EventEmitter(), {
    name: 'fake',
    state: 'ready' as const,
    identity: undefined,
    starts: [] as number[],
    whenReady: async () => undefined,
    async submit(_pdu: string, _len: number, before: () => Promise<void>) {
      s.starts.push(Date.now());
      await before();
      await new Promise((r) => setTimeout(r, latencyMs));
      return { mr: s.starts.length & 0xff };
    },
    read: async () => undefined,
    list: async () => [],
    remove: async () => undefined,
  });
  return s as unknown as ModemSessionApi & { starts: number[] };
}

/** `n` tasks; counts leases and releases, so a test can tell whether a paused modem held one. */
function fakeSource(n: number): WorkSource & { reports: TaskReport[]; leases: number; released: string[]; left: () => number } {
  const queued = Array.from({ length: n }, (_, i): LeasedTask => ({ _id: `t${i}`, data: { to: '+61404341143', msg: `hi ${i}` }, priority: 0 }));
  const src = {
    reports: [] as TaskReport[],
    leases: 0,
    released: [] as string[],
    left: () => queued.length,
    async lease(): Promise<LeasedTask | undefined> {
      const t = queued.shift();
      if (t) src.leases++;
      return t;
    },
    markSubmitting: async () => undefined,
    async report(r: TaskReport): Promise<void> {
      src.reports.push(r);
    },
    async release(id: string): Promise<void> {
      src.released.push(id);
      queued.unshift({ _id: id, data: { to: '+61404341143', msg: 'back' }, priority: 0 });
    },
    nextPriority: () => (queued.length ? 0 : undefined),
    waitForWork: (ms: number, signal: AbortSignal) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        signal.addEventListener('abort', () => (clearTimeout(t), resolve()));
      }),
  };
  return src;
}

const logger = createLogger('silent');

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'], now: Date.parse('2026-12-02T10:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

function loopWith(sending: Partial<ModemSending>, tasks: number, latencyMs = 100, random = () => 0.5): { loop: SendLoop; session: ReturnType<typeof fakeSession>; source: ReturnType<typeof fakeSource>; pauses: Array<PacingPause | undefined> } {
  const session = fakeSession(latencyMs);
  const source = fakeSource(tasks);
  const pacing = new PacingGate({ modem: 'fake', sending: { minIntervalMs: 0, jitterMs: 0, ...sending }, random });
  const pauses: Array<PacingPause | undefined> = [];
  const loop = new SendLoop({ session, source, statusReports: false, logger, pacing, onPause: (p) => pauses.push(p) });
  return { loop, session, source, pauses };
}

describe('send loop with pacing (fake timers)', () => {
  it('starts consecutive sends minIntervalMs + jitter apart, and leases nothing ahead while the interval runs', async () => {
    const { loop, session, source } = loopWith({ minIntervalMs: 2000, jitterMs: 400 }, 5);
    loop.start();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(source.reports.map((r) => r.status)).toEqual(['done', 'done', 'done', 'done', 'done']);
    const gaps = session.starts.slice(1).map((t, i) => t - session.starts[i]!);
    // random 0.5 -> 200 ms of jitter: each gap is 2200 ms on the fake clock.
    expect(gaps).toEqual([2200, 2200, 2200, 2200]);
    // No task was taken early and given back: a paced modem holds nothing another could send.
    expect(source.released).toEqual([]);
    expect(source.leases).toBe(5);
    await loop.stop();
  });

  it('a capped modem leases nothing until the window ends, says so once, then sends again', async () => {
    const { loop, session, source, pauses } = loopWith({ limits: { perMinute: 2, timezone: 'UTC' } }, 5, 100);
    loop.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(session.starts).toHaveLength(2);
    // The third was leased while the second was on the wire only if the cap had room: it had none.
    expect(source.leases).toBe(2);
    expect(source.left()).toBe(3);
    expect(pauses).toEqual([{ reason: 'limit', until: Date.parse('2026-12-02T10:01:00Z'), detail: 'perMinute 2 reached: 2 sent in this minute (UTC)' }]);
    // 10:01:00: two more (the cap of the new minute), 100 ms apart.
    await vi.advanceTimersByTimeAsync(50_500);
    expect(session.starts).toHaveLength(4);
    expect(pauses.slice(1, 2)).toEqual([undefined]);
    expect(session.starts.slice(2)).toEqual([Date.parse('2026-12-02T10:01:00Z'), Date.parse('2026-12-02T10:01:00.100Z')]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(source.reports).toHaveLength(5);
    expect(source.released).toEqual([]);
    await loop.stop();
  });

  it('outside its sending hours it waits for the window to open', async () => {
    // 10:00 UTC; the window opens at 12:00 UTC.
    const { loop, session } = loopWith({ sendWindow: { from: '12:00', to: '13:00', timezone: 'UTC' } }, 1);
    loop.start();
    await vi.advanceTimersByTimeAsync(2 * 3_600_000 - 1);
    expect(session.starts).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(session.starts).toEqual([Date.parse('2026-12-02T12:00:00Z')]);
    await loop.stop();
  });
});
