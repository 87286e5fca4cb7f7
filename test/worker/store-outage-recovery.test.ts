import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KatarError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import type { ModemSessionApi } from '../../src/modem/session/types.js';
import type { TaskReport } from '../../src/queue/file-queue.js';
import { SendLoop } from '../../src/worker/send-loop.js';
import type { LeasedTask, WorkSource } from '../../src/worker/work-source.js';
import { startModemHarness, until, type ModemHarness } from '../helpers/modem-harness.js';

/**
 * The built-in worker while its store cannot write for a while (a queue database that
 * went away, a full disk): what it holds is given back and what the modem received is
 * stored, once the store writes again, without anyone's help.
 */
const logger = createLogger('silent');
const refused = (): KatarError => new KatarError('STORE_UNAVAILABLE', 'the queue database cannot be reached');

describe('send loop: a task it cannot send while the store is down', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is given back once the store writes again, not left leased until its lease runs out', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
    let down = false;
    const queued: LeasedTask[] = ['t0', 't1'].map((id) => ({ _id: id, data: { to: '+61404341143', msg: id }, priority: 0 }));
    const leased = new Set<string>();
    const source: WorkSource & { reports: TaskReport[]; releases: string[] } = {
      reports: [],
      releases: [],
      async lease() {
        if (down) throw refused();
        const t = queued.shift();
        if (t) leased.add(t._id);
        return t;
      },
      async markSubmitting() {
        if (down) throw refused();
      },
      async report(r) {
        if (down) throw refused();
        leased.delete(r._id);
        source.reports.push(r);
        if (source.reports.length === 1) down = true; // right after t0's outcome is recorded
      },
      async release(id) {
        if (down) throw refused();
        leased.delete(id);
        source.releases.push(id);
        queued.unshift({ _id: id, data: { to: '+61404341143', msg: id }, priority: 0 });
      },
      nextPriority: () => undefined,
      waitForWork: (ms, signal) =>
        new Promise<void>((resolve) => {
          const t = setTimeout(resolve, ms);
          signal.addEventListener('abort', () => (clearTimeout(t), resolve()));
        }),
    };
    const sent: string[] = [];
    // The store goes away once t0's outcome is recorded, with t1 already leased as the next one.
    const session = Object.assign(new EventEmitter(), {
      name: 'fake',
      state: 'ready' as const,
      identity: { manufacturer: 'x', model: 'y', revision: 'z', imei: '1', imsi: '001010000000001' },
      whenReady: async () => undefined,
      async submit(pdu: string, _len: number, before: () => Promise<void>) {
        await before();
        await new Promise((r) => setTimeout(r, 50)); // on the wire: the next task is leased meanwhile
        sent.push(pdu);
        return { mr: sent.length };
      },
      read: async () => undefined,
      list: async () => [],
      remove: async () => undefined,
    }) as unknown as ModemSessionApi;
    const loop = new SendLoop({ session, source, statusReports: false, logger, retry: { initialMs: 1000, maxMs: 4000 } });
    loop.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(sent).toHaveLength(1);
    expect(source.reports.map((r) => r._id)).toEqual(['t0']);
    expect([...leased]).toEqual(['t1']);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sent).toHaveLength(1); // nothing goes out while the store cannot note it
    down = false;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(source.releases).toEqual(['t1']);
    expect(source.reports.map((r) => `${r._id} ${r.status}`)).toEqual(['t0 done', 't1 done']);
    expect(sent).toHaveLength(2);
    expect(leased.size).toBe(0);
    await loop.stop();
  });
});

describe('receive pipeline: SMS that arrive while the store refuses writes', () => {
  let h: ModemHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const slotsUsed = (m: ModemHarness): number => m.sim.storage.memory('SM').used + m.sim.storage.memory('ME').used;

  /** Makes the harness's queue refuse received SMS while `down()` says so. */
  function refuseWhile(m: ModemHarness, down: () => boolean): void {
    const queue = m.gateway.queue;
    const real = queue.receive.bind(queue);
    queue.receive = (name, sms) => (down() ? Promise.reject(refused()) : real(name, sms));
  }

  it('stay on the modem and are stored by themselves once it writes again, before the periodic listing', async () => {
    h = await startModemHarness();
    await h.session.whenReady();
    let down = true;
    refuseWhile(h, () => down);
    h.sim.injectIncoming({ from: '+61404341143', text: 'while the database is away' });
    await until(() => h!.sim.commands.some((c) => c.startsWith('AT+CMGR')), 5000, 'read from the modem');
    await new Promise((r) => setTimeout(r, 300));
    expect(slotsUsed(h)).toBe(1);
    expect(h.gateway.queue.store.inbox).toHaveLength(0);
    down = false;
    // The periodic listing is a minute away: the refusal's own retry stores it.
    await until(() => h!.gateway.queue.store.inbox.length === 1, 8000, 'stored once the store writes');
    await until(() => slotsUsed(h!) === 0, 5000, 'deleted from the modem once stored');
  });

  it('a concatenated message refused by the store is stored whole afterwards, not as its last part alone', async () => {
    h = await startModemHarness();
    await h.session.whenReady();
    let down = true;
    refuseWhile(h, () => down);
    const text = 'a long message in three parts, '.repeat(12);
    expect(h.sim.injectIncoming({ from: '+61404341143', text, concatReference: 42 })).toHaveLength(3);
    await until(() => h!.sim.commands.filter((c) => c.startsWith('AT+CMGR')).length >= 3, 5000, 'all parts read');
    await new Promise((r) => setTimeout(r, 300));
    expect(slotsUsed(h)).toBe(3);
    down = false;
    await until(() => h!.gateway.queue.store.inbox.length === 1, 8000, 'stored once the store writes');
    const entry = await h.gateway.queue.store.readInbox(h.gateway.queue.store.inbox[0]!);
    expect(entry.msg).toBe(text);
    expect(entry.incomplete).toBeUndefined();
    await until(() => slotsUsed(h!) === 0, 5000, 'every part deleted from the modem');
  });
});
