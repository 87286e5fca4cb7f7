import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SystemdNotifier } from '../../src/service/notify.js';
import { receiverMissing, startReceiver, type NotifyReceiver } from './notify-receiver.js';

const missing = receiverMissing();

describe.skipIf(missing !== undefined)(`systemd notifications on a real socket${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let rx: NotifyReceiver;
  beforeEach(async () => {
    rx = await startReceiver();
    // The systemd-notify program inherits the environment, as under systemd.
    vi.stubEnv('NOTIFY_SOCKET', rx.path);
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await rx.close();
  });

  it('delivers READY=1, STATUS=, WATCHDOG=1 and STOPPING=1 in order', async () => {
    const n = new SystemdNotifier({ logger: pino({ level: 'silent' }), env: { NOTIFY_SOCKET: rx.path, WATCHDOG_USEC: '60000000' } });
    await n.ready();
    n.status('3 queued, 1 sending; modem0 ready, -71 dBm');
    await rx.waitFor(/^STATUS=/);
    expect(n.startWatchdog()).toBe(30_000);
    await rx.waitFor(/^WATCHDOG=1$/);
    await n.stopping();
    n.close();
    await rx.waitFor(/^STOPPING=1$/);
    expect(rx.messages).toEqual([`READY=1\nMAINPID=${process.pid}`, `STATUS=3 queued, 1 sending; modem0 ready, -71 dBm\nMAINPID=${process.pid}`, 'WATCHDOG=1', 'STOPPING=1']);
  });
});
