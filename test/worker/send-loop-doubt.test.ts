import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KatarError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import type { AtResponse } from '../../src/modem/at/engine.js';
import type { ModemSessionApi } from '../../src/modem/session/types.js';
import type { TaskReport } from '../../src/queue/file-queue.js';
import { SendLoop } from '../../src/worker/send-loop.js';
import type { LeasedTask, WorkSource } from '../../src/worker/work-source.js';

/** A session whose `unanswered` count and `AT` probe answers the test sets. */
function doubtfulSession(): ModemSessionApi & { unanswered: number; submitted: number; probes: number; answer: (() => void) | undefined; failNext: KatarError | undefined } {
  const s = Object.assign(new EventEmitter(), {
    name: 'fake',
    state: 'ready' as const,
    identity: { manufacturer: 'x', model: 'y', revision: 'z', imei: '1', imsi: '001010000000001' },
    unanswered: 0,
    submitted: 0,
    probes: 0,
    answer: undefined as (() => void) | undefined,
    failNext: undefined as KatarError | undefined,
    whenReady: async () => undefined,
    async submit(_pdu: string, _len: number, before: () => Promise<void>) {
      const fail = s.failNext;
      s.failNext = undefined;
      if (fail) throw fail;
      await before();
      return { mr: s.submitted++ & 0xff };
    },
    control(command: string): Promise<AtResponse> {
      expect(command).toBe('AT');
      s.probes++;
      return new Promise((resolve) => {
        s.answer = () => {
          s.unanswered = 0;
          resolve({ lines: [], final: 'OK' });
        };
      });
    },
    read: async () => undefined,
    list: async () => [],
    remove: async () => undefined,
  });
  return s as unknown as ReturnType<typeof doubtfulSession>;
}

function source(n: number): WorkSource & { reports: TaskReport[]; released: string[]; leases: number } {
  let next = 0;
  const src = {
    reports: [] as TaskReport[],
    released: [] as string[],
    leases: 0,
    async lease(): Promise<LeasedTask | undefined> {
      if (next === n) return undefined;
      src.leases++;
      return { _id: `t${next++}`, data: { to: '+61404341143', msg: 'hi' }, priority: 0 };
    },
    markSubmitting: async () => undefined,
    async report(r: TaskReport): Promise<void> {
      src.reports.push(r);
    },
    async release(id: string): Promise<void> {
      src.released.push(id);
    },
    nextPriority: () => undefined,
    waitForWork: (ms: number, signal: AbortSignal) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        signal.addEventListener('abort', () => (clearTimeout(t), resolve()));
      }),
  };
  return src;
}

const logger = createLogger('silent');
const noPrompt = (): KatarError => new KatarError('MODEM_TIMEOUT', 'AT+CMGS=23: no SMS prompt', { command: 'AT+CMGS=23', reason: 'timeout', phase: 'prompt' });

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('send loop: a modem in doubt holds no task', () => {
  it('after a command timeout it takes no task until an AT probe is answered', async () => {
    const session = doubtfulSession();
    session.unanswered = 1; // e.g. a health poll timed out
    const src = source(2);
    const loop = new SendLoop({ session, source: src, statusReports: false, logger });
    loop.start();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(session.probes).toBe(1);
    expect(src.leases).toBe(0);
    session.answer!();
    await vi.advanceTimersByTimeAsync(100);
    expect(src.reports.map((r) => [r._id, r.status])).toEqual([['t0', 'done'], ['t1', 'done']]);
    await loop.stop();
  });

  it('no prompt: the task goes back uncounted, then nothing is taken until the modem answers', async () => {
    const session = doubtfulSession();
    session.failNext = noPrompt();
    const src = source(3);
    const loop = new SendLoop({ session, source: src, statusReports: false, logger });
    loop.start();
    await vi.advanceTimersByTimeAsync(0);
    // t0 failed before its PDU and went back; nothing was leased ahead once in doubt.
    expect(src.released).toEqual(['t0']);
    expect(src.leases).toBe(1);
    expect(src.reports).toEqual([]);
    const leases = src.leases;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(src.leases).toBe(leases);
    session.answer!();
    await vi.advanceTimersByTimeAsync(100);
    // (This fake source does not hand t0 out again; the queue would.)
    expect(src.reports.map((r) => [r._id, r.status])).toEqual([['t1', 'done'], ['t2', 'done']]);
    await loop.stop();
  });

  it('no answer after the PDU: outcome unknown as before, and the modem is asked before its next task', async () => {
    const session = doubtfulSession();
    session.failNext = new KatarError('OUTCOME_UNKNOWN', 'AT+CMGS=23: no answer after the PDU', { command: 'AT+CMGS=23', reason: 'timeout', phase: 'result' });
    const src = source(2);
    const loop = new SendLoop({ session, source: src, statusReports: false, logger });
    loop.start();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(src.reports.map((r) => [r._id, r.status])).toEqual([['t0', 'unknown']]);
    expect(src.released).toEqual([]);
    expect(src.leases).toBe(1);
    expect(session.probes).toBe(1);
    session.answer!();
    await vi.advanceTimersByTimeAsync(100);
    expect(src.reports.map((r) => [r._id, r.status])).toEqual([['t0', 'unknown'], ['t1', 'done']]);
    await loop.stop();
  });

  it('a stop ends the wait for an unanswered probe at once', async () => {
    const session = doubtfulSession();
    session.unanswered = 2;
    const loop = new SendLoop({ session, source: source(1), statusReports: false, logger });
    loop.start();
    await vi.advanceTimersByTimeAsync(100);
    let stopped = false;
    void loop.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(true);
  });

  it('the same task failing before its PDU a third time on this modem is a failed attempt', async () => {
    const session = doubtfulSession();
    const src = source(1);
    const loop = new SendLoop({ session, source: src, statusReports: false, logger });
    // The source hands the released task out again (one holder at a time).
    let held = false;
    src.lease = async () => {
      if (held || src.reports.length) return undefined;
      held = true;
      src.leases++;
      return { _id: 't0', data: { to: '+61404341143', msg: 'hi' }, priority: 0 };
    };
    src.release = async (id) => {
      held = false;
      src.released.push(id);
    };
    session.failNext = noPrompt();
    loop.start();
    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(10);
      session.failNext = noPrompt();
      session.answer!();
    }
    await vi.advanceTimersByTimeAsync(10);
    expect(src.released).toEqual(['t0', 't0']);
    expect(src.leases).toBe(3);
    expect(src.reports[0]).toMatchObject({ _id: 't0', status: 'failed', error: expect.stringMatching(/no SMS prompt \(not started 3 times on this modem\)/) });
    await loop.stop();
  });
});
