import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KatarError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import type { ModemSessionApi } from '../../src/modem/session/types.js';
import type { TaskReport } from '../../src/queue/file-queue.js';
import { SendLoop } from '../../src/worker/send-loop.js';
import type { LeasedTask, WorkSource } from '../../src/worker/work-source.js';

/** A modem that takes every PDU at once. */
function fakeSession(): ModemSessionApi & { submitted: number } {
  const s = Object.assign(new EventEmitter(), {
    name: 'fake',
    state: 'ready' as const,
    identity: { manufacturer: 'x', model: 'y', revision: 'z', imei: '1', imsi: '001010000000001' },
    submitted: 0,
    whenReady: async () => undefined,
    async submit(_pdu: string, _len: number, before: () => Promise<void>) {
      await before();
      return { mr: s.submitted++ & 0xff };
    },
    read: async () => undefined,
    list: async () => [],
    remove: async () => undefined,
  });
  return s as unknown as ModemSessionApi & { submitted: number };
}

/** A queue of `n` tasks whose store refuses the first `failures` reports with `code`. */
function fakeSource(n: number, failures: number, code: 'STORAGE_FULL' | 'STORE_UNAVAILABLE' | 'EIO'): WorkSource & { reports: TaskReport[]; tries: number; leases: number } {
  let left = n;
  let refuse = failures;
  const src = {
    reports: [] as TaskReport[],
    tries: 0,
    leases: 0,
    async lease(): Promise<LeasedTask | undefined> {
      if (left === 0) return undefined;
      src.leases++;
      return { _id: `t${n - left--}`, data: { to: '+61404341143', msg: 'hi' }, priority: 0 };
    },
    markSubmitting: async () => undefined,
    async report(r: TaskReport): Promise<void> {
      src.tries++;
      if (refuse-- > 0) throw code === 'EIO' ? Object.assign(new Error('EIO: i/o error, write'), { code }) : new KatarError(code, 'the disk is full');
      src.reports.push(r);
    },
    release: async () => undefined,
    nextPriority: () => undefined,
    waitForWork: (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => (clearTimeout(t), resolve()));
    }),
  };
  return src;
}

const logger = createLogger('silent');

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('send loop: an outcome the store refuses is never dropped', () => {
  it.each(['STORAGE_FULL', 'STORE_UNAVAILABLE', 'EIO'] as const)('retries a refused report (%s) with backoff and takes no new task meanwhile', async (code) => {
    const session = fakeSession();
    const source = fakeSource(3, 4, code);
    const loop = new SendLoop({ session, source, statusReports: false, logger, retry: { initialMs: 1000, maxMs: 10_000 } });
    loop.start();
    await vi.advanceTimersByTimeAsync(0);
    // t0 sent and its report refused; t1 was leased while t0 was on the wire and went out
    expect(source.tries).toBe(1);
    expect(loop.unrecorded).toBe(1);
    expect(source.leases).toBe(2);
    // refused at 0, 1 s, 3 s and 7 s: recorded at the fifth try, 15 s in
    await vi.advanceTimersByTimeAsync(15_000 - 1);
    expect(source.reports).toHaveLength(0);
    expect(source.leases).toBe(2); // nothing new taken while an outcome waits
    await vi.advanceTimersByTimeAsync(1);
    expect(source.reports[0]?._id).toBe('t0'); // then the loop goes on: t1's outcome, t2 leased and sent
    await vi.advanceTimersByTimeAsync(100);
    expect(loop.unrecorded).toBe(0);
    expect(source.reports.map((r) => r._id)).toEqual(['t0', 't1', 't2']);
    expect(source.reports.every((r) => r.status === 'done')).toBe(true);
    expect(session.submitted).toBe(3); // each sent once
    await loop.stop();
  });

  it('on stop keeps trying for a bounded time, then gives up loudly', async () => {
    const session = fakeSession();
    const source = fakeSource(1, Infinity, 'STORAGE_FULL');
    const errors: string[] = [];
    const spyLogger = Object.assign(createLogger('silent'), {});
    spyLogger.error = ((obj: unknown, msg?: string) => void errors.push(msg ?? String(obj))) as typeof spyLogger.error;
    const loop = new SendLoop({ session, source, statusReports: false, logger: spyLogger, retry: { initialMs: 1000, maxMs: 10_000 }, stopRecordMs: 5000 });
    loop.start();
    await vi.advanceTimersByTimeAsync(0);
    let stopped = false;
    const triesAtStop = source.tries;
    void loop.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(4000);
    expect(stopped).toBe(false);
    expect(source.tries).toBeGreaterThan(triesAtStop); // still trying while stopping
    expect(errors).toEqual([]);
    await vi.advanceTimersByTimeAsync(2000);
    expect(stopped).toBe(true);
    expect(errors.some((m) => /GAVE UP recording the result of a send/.test(m))).toBe(true);
  });

  it('a lease the store refuses makes the loop wait and try again later', async () => {
    const session = fakeSession();
    const source = fakeSource(1, 0, 'STORAGE_FULL');
    let refusals = 2;
    const lease = source.lease.bind(source);
    source.lease = async (wait) => {
      if (refusals-- > 0) throw new KatarError('STORAGE_FULL', 'the disk is full');
      return lease(wait);
    };
    const loop = new SendLoop({ session, source, statusReports: false, logger, retry: { initialMs: 1000, maxMs: 10_000 } });
    loop.start();
    await vi.advanceTimersByTimeAsync(999);
    expect(session.submitted).toBe(0);
    await vi.advanceTimersByTimeAsync(1000 + 2000);
    expect(session.submitted).toBe(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(source.reports).toHaveLength(1);
    await loop.stop();
  });
});
