import { afterEach, describe, expect, it } from 'vitest';
import { startChild, type ChildGateway } from '../helpers/child-gateway.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { receiverMissing, startReceiver, type NotifyReceiver } from './notify-receiver.js';

const missing = receiverMissing();

describe.skipIf(missing !== undefined)(`katar-sms serve under a notify socket${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let child: ChildGateway | undefined;
  let rx: NotifyReceiver | undefined;
  let tmp: Awaited<ReturnType<typeof makeTmpDir>> | undefined;
  afterEach(async () => {
    child?.proc.kill('SIGKILL');
    await rx?.close();
    await tmp?.cleanup();
  });

  it('says READY once listening, keeps STATUS current, pings the watchdog, says STOPPING on SIGTERM and exits 0', async () => {
    rx = await startReceiver();
    tmp = await makeTmpDir();
    child = await startChild(['serve', '--modem', 'none', '--port', '0', '--data-dir', tmp.dir], { NOTIFY_SOCKET: rx.path, WATCHDOG_USEC: '2000000' });
    await rx.waitFor(/^READY=1/);
    await rx.waitFor(/^STATUS=0 queued, 0 sending; no modem/);
    await rx.waitFor(/^WATCHDOG=1$/);
    const res = await fetch(`${child.url}/v1/queue/sms/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: '+61404341143', msg: 'hi' }) });
    expect(res.status).toBe(201);
    await rx.waitFor(/^STATUS=1 queued, 0 sending; no modem/);
    child.proc.kill('SIGTERM');
    await rx.waitFor(/^STOPPING=1$/);
    expect(await child.exited).toBe(0);
    const order = rx.messages.map((m) => m.split(/[=\n]/)[0]);
    expect(order.indexOf('READY')).toBe(0);
    expect(order.lastIndexOf('STATUS')).toBeLessThan(order.indexOf('STOPPING'));
  });
});
