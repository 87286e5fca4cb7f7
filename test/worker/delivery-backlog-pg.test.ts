/**
 * The built-in worker's status-report bookkeeping across a database outage, on a real
 * PostgreSQL through a proxy the test takes down: the reference of a part the modem sent
 * while the database was away, and the status report that came back meanwhile, are kept
 * and recorded once it is back, the outcome after the reference, so the task ends
 * "delivered" instead of its report matching nothing.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { isKatarError } from '../../src/errors.js';
import { Database } from '../../src/queue/postgres/pg-pool.js';
import { PgQueue } from '../../src/queue/postgres/pg-queue.js';
import { LocalQueue } from '../../src/worker/work-source.js';
import { captureLogger } from '../helpers/memory-event-log.js';
import { until } from '../helpers/modem-harness.js';
import { migratedBehindProxy } from '../helpers/pg-box.js';
import { TestClock } from '../helpers/test-clock.js';

const provided = inject('postgres');
const queues = parseConfig({ queues: { sms: {} } }).queues;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

describe.skipIf(!provided.url)(`status-report bookkeeping across a database outage${provided.url ? '' : ` (skipped: ${provided.reason})`}`, () => {
  it('a part sent and its report received while the database is away are recorded once it is back: delivered', async () => {
    const { viaProxy, proxy } = await migratedBehindProxy(provided.url!, cleanups);
    const db = new Database({ url: viaProxy, size: 2 });
    const queue = await PgQueue.open({ db, queues, clock: new TestClock(), sweepIntervalMs: 0, pollMs: 0, owned: [() => db.close()] });
    cleanups.push(() => queue.close());
    const { logger, lines } = captureLogger();
    const local = new LocalQueue(queue, 'sms', 'builtin:box-a:modem0', undefined, { modem: 'modem0' }, logger);
    cleanups.push(async () => local.backlog.stop());
    await queue.deliveries.load();
    const [added] = await queue.add('sms', [{ data: { to: '+61404341143', msg: 'hello' }, parts: 1 }]);
    const task = added!.task;
    const leased = await local.lease();
    expect(leased?._id).toBe(task._id);
    await local.markSubmitting(task._id);

    await proxy.down();
    const modem = 'modem0:001010123456789';
    local.deliveries!.sending(modem);
    await local.deliveries!.sent({ taskId: task._id, index: 0, modem, reference: 17, recipient: '+61404341143' });
    local.deliveries!.ended(modem);
    expect(await local.delivery({ modem, reference: 17, recipient: '+61404341143', status: 0 })).toBe(true);
    expect(local.backlog.size).toBe(2);
    // The outcome waits for the reference: reported first, the finished task would take no part.
    const early = await local.report({ _id: task._id, status: 'done' }).catch((e: unknown) => e);
    expect(isKatarError(early, 'STORE_UNAVAILABLE')).toBe(true);

    await proxy.up();
    await until(() => local.backlog.size === 0, 15_000, 'the kept records are written');
    await local.report({ _id: task._id, status: 'done' });
    const done = await queue.get('sms', task._id);
    expect(done).toMatchObject({ status: 'done', delivery: { status: 'delivered', parts: [{ reference: 17, modem, status: 'delivered' }] } });
    expect(lines.some((l) => l.includes('kept in memory'))).toBe(true);
  });
});
