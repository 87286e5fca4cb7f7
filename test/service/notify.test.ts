import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SystemdNotifier } from '../../src/service/notify.js';
import type { NotifyTransport } from '../../src/service/notify-transport.js';

const logger = pino({ level: 'silent' });

/** Records what would have been sent. */
function recorder(fail = false): NotifyTransport & { sent: string[] } {
  const sent: string[] = [];
  const out = async (msg: string): Promise<void> => {
    sent.push(msg);
    if (fail) throw new Error('no systemd here');
  };
  return { sent, ready: () => out('READY=1'), status: (t) => out(`STATUS=${t}`), send: (a) => out(a.join('\n')) };
}

const ENV = { NOTIFY_SOCKET: '/run/systemd/notify' };

describe('SystemdNotifier', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('does nothing at all without NOTIFY_SOCKET', async () => {
    const transport = recorder();
    const n = new SystemdNotifier({ logger, env: { WATCHDOG_USEC: '1000000' }, transport });
    expect(n.enabled).toBe(false);
    await n.ready();
    n.status('x');
    await n.watchdog();
    expect(n.startWatchdog()).toBeUndefined();
    await n.stopping();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(transport.sent).toEqual([]);
  });

  it('sends READY, WATCHDOG and STOPPING', async () => {
    const transport = recorder();
    const n = new SystemdNotifier({ logger, env: ENV, transport });
    await n.ready();
    await n.watchdog();
    await n.stopping();
    expect(transport.sent).toEqual(['READY=1', 'WATCHDOG=1', 'STOPPING=1']);
  });

  it('sends STATUS at most once a second, with the latest text, and never twice the same', async () => {
    const transport = recorder();
    const n = new SystemdNotifier({ logger, env: ENV, transport });
    n.status('1 queued');
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 2; i <= 50; i++) n.status(`${i} queued`);
    await vi.advanceTimersByTimeAsync(999);
    expect(transport.sent).toEqual(['STATUS=1 queued']);
    await vi.advanceTimersByTimeAsync(1);
    expect(transport.sent).toEqual(['STATUS=1 queued', 'STATUS=50 queued']);
    n.status('50 queued');
    await vi.advanceTimersByTimeAsync(5000);
    expect(transport.sent).toHaveLength(2);
  });

  it('computes a lazy status text only when it is sent: twice for a thousand changes', async () => {
    const transport = recorder();
    const n = new SystemdNotifier({ logger, env: ENV, transport });
    let calls = 0;
    const text = (): string => `computed ${++calls}`;
    for (let i = 0; i < 1000; i++) n.status(text);
    await vi.advanceTimersByTimeAsync(3000);
    expect(calls).toBe(2);
    expect(transport.sent).toEqual(['STATUS=computed 1', 'STATUS=computed 2']);
  });

  it('drops a pending STATUS at STOPPING', async () => {
    const transport = recorder();
    const n = new SystemdNotifier({ logger, env: ENV, transport });
    n.status('a');
    n.status('b');
    await n.stopping();
    await vi.advanceTimersByTimeAsync(5000);
    expect(transport.sent).toEqual(['STATUS=a', 'STOPPING=1']);
  });

  it('pings the watchdog every WATCHDOG_USEC/2 until closed', async () => {
    const transport = recorder();
    const n = new SystemdNotifier({ logger, env: { ...ENV, WATCHDOG_USEC: '30000000' }, transport });
    expect(n.startWatchdog()).toBe(15_000);
    await vi.advanceTimersByTimeAsync(45_000);
    expect(transport.sent.filter((m) => m === 'WATCHDOG=1')).toHaveLength(4);
    n.close();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(transport.sent).toHaveLength(4);
  });

  it('leaves a watchdog meant for another process alone', () => {
    const transport = recorder();
    const other = new SystemdNotifier({ logger, env: { ...ENV, WATCHDOG_USEC: '1000000', WATCHDOG_PID: '1' }, transport, pid: 4242 });
    expect(other.startWatchdog()).toBeUndefined();
    const ours = new SystemdNotifier({ logger, env: { ...ENV, WATCHDOG_USEC: '1000000', WATCHDOG_PID: '4242' }, transport, pid: 4242 });
    expect(ours.startWatchdog()).toBe(500);
    ours.close();
    expect(new SystemdNotifier({ logger, env: ENV, transport }).startWatchdog()).toBeUndefined();
  });

  it('swallows every failure and logs it at debug', async () => {
    const debug = vi.fn();
    const log = { debug } as unknown as typeof logger;
    const n = new SystemdNotifier({ logger: log, env: ENV, transport: recorder(true) });
    await expect(n.ready()).resolves.toBeUndefined();
    await expect(n.watchdog()).resolves.toBeUndefined();
    await expect(n.stopping()).resolves.toBeUndefined();
    n.status(() => {
      throw new Error('counting failed');
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(debug).toHaveBeenCalledTimes(4);
  });
});
