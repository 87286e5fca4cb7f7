import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { KatarClient } from '../../../src/worker/remote/client.js';
import { RemoteQueue } from '../../../src/worker/remote/remote-queue.js';
import { RemoteWorkerState } from '../../../src/worker/remote/state.js';
import { makeTmpDir } from '../../helpers/tmp-dir.js';

// A port nothing listens on: the server is "unreachable" for the whole test.
const nowhere = new KatarClient({ server: 'http://127.0.0.1:9', queue: 'sms', workerName: 't', timeoutMs: 200 });
const logger = createLogger('silent');

describe('remote work source', () => {
  let tmp: Awaited<ReturnType<typeof makeTmpDir>>;
  let q: RemoteQueue | undefined;
  afterEach(async () => {
    await q?.stop();
    await tmp?.cleanup();
  });

  it('after a crash, reports a task that was being submitted as a final failure (never resent) and one not started as a retryable one', async () => {
    tmp = await makeTmpDir();
    const s = await RemoteWorkerState.open(tmp.dir);
    s.data.held.a = { data: { to: '+61404341143', msg: 'a' }, leasedAt: new Date().toISOString(), submitting: true };
    s.data.held.b = { data: { to: '+61404341143', msg: 'b' }, leasedAt: new Date().toISOString() };
    await s.save();
    const again = await RemoteWorkerState.open(tmp.dir);
    q = new RemoteQueue({ client: nowhere, state: again, logger, backoff: { initialMs: 10_000, maxMs: 10_000 } });
    await q.start();
    expect(again.data.held).toEqual({});
    expect(again.data.reports).toEqual([
      { _id: 'a', status: 'failed', error: expect.stringMatching(/outcome unknown/), final: true },
      { _id: 'b', status: 'failed', error: expect.stringMatching(/restarted before sending/) },
    ]);
  });

  it('reports carry the attempt the task was handed out with (the fencing token), also after a crash', async () => {
    tmp = await makeTmpDir();
    const s = await RemoteWorkerState.open(tmp.dir);
    s.data.held.a = { data: { to: '+61404341143', msg: 'a' }, leasedAt: new Date().toISOString(), submitting: true, attempt: 3 };
    s.data.held.b = { data: { to: '+61404341143', msg: 'b' }, leasedAt: new Date().toISOString(), attempt: 1 };
    await s.save();
    q = new RemoteQueue({ client: nowhere, state: s, logger, backoff: { initialMs: 10_000, maxMs: 10_000 } });
    await q.start();
    s.data.held.c = { data: { to: '+61404341143', msg: 'c' }, leasedAt: new Date().toISOString(), attempt: 2 };
    await q.report({ _id: 'c', status: 'done' });
    expect(s.data.reports).toEqual([
      { _id: 'a', status: 'failed', error: expect.stringMatching(/outcome unknown/), final: true, attempt: 3 },
      { _id: 'b', status: 'failed', error: expect.stringMatching(/restarted before sending/), attempt: 1 },
      { _id: 'c', status: 'done', attempt: 2 },
    ]);
  });

  it('keeps reports and received SMS on disk while the server is unreachable, each once', async () => {
    tmp = await makeTmpDir();
    const s = await RemoteWorkerState.open(tmp.dir);
    q = new RemoteQueue({ client: nowhere, state: s, logger, backoff: { initialMs: 10_000, maxMs: 10_000 } });
    await q.start();
    await q.report({ _id: 'x', status: 'done' });
    expect((await q.receive({ from: '+1', msg: 'hi', source: 'modem:t', dedupKey: 'k1' })).duplicate).toBe(false);
    expect((await q.receive({ from: '+1', msg: 'hi', source: 'modem:t', dedupKey: 'k1' })).duplicate).toBe(true);
    await new Promise((r) => setTimeout(r, 400));
    const onDisk = await RemoteWorkerState.open(tmp.dir);
    expect(onDisk.data.reports).toEqual([{ _id: 'x', status: 'done' }]);
    expect(onDisk.data.inbox.map((m) => m.id)).toEqual(['k1']);
  });
});
