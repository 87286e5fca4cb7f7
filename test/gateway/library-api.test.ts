import { afterEach, describe, expect, it } from 'vitest';
import { isKatarError, openGateway, type RunningKatarSms, type Task } from '../../src/index.js';
import { createLogger } from '../../src/log.js';
import { until } from '../helpers/modem-harness.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

/** The library API as a program that embeds the gateway uses it: openGateway, send, events, close. */
describe('openGateway (the library API)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function open(): Promise<RunningKatarSms> {
    const tmp = await makeTmpDir();
    cleanups.push(tmp.cleanup);
    const sms = await openGateway(
      {
        port: 0,
        dataDir: tmp.dir,
        modems: [
          { name: 'm1', path: 'sim', simSendLatencyMs: 10 },
          { name: 'm2', path: 'sim', simSendLatencyMs: 10 },
        ],
      },
      { logger: createLogger('silent') },
    );
    cleanups.push(() => sms.close());
    return sms;
  }

  it('send takes via, idempotencyKey and a Date for sendAt; the events tell the outcome', async () => {
    const sms = await open();
    const done: Task[] = [];
    sms.on('done', (t) => done.push(t));
    const id = await sms.send({ to: '+61404341143', msg: 'through m2', via: 'm2', idempotencyKey: 'lib-1', sendAt: new Date(Date.now() - 1000) }, 10);
    expect(await sms.send({ to: '+61404341143', msg: 'through m2', via: 'm2', idempotencyKey: 'lib-1' }, 10)).toBe(id);
    await until(() => done.some((t) => t._id === id), 10_000, 'sent');
    const task = await sms.queue.get('sms', id);
    expect(task).toMatchObject({ status: 'done', priority: 10, modems: ['m2'], attempts: [{ worker: expect.stringMatching(/:m2$/) as unknown }] });
  });

  it('a bad field is refused with VALIDATION naming it, and nothing is queued', async () => {
    const sms = await open();
    const err = await sms.send({ to: '+61404341143', msg: 'x', via: 'm9' }).catch((e: unknown) => e);
    expect(isKatarError(err, 'VALIDATION') && err.details?.field).toBe('via');
    expect(sms.queue.counts('sms')).toMatchObject({ queued: 0, 'in progress': 0, done: 0 });
  });
});
