import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryBook } from '../../src/queue/delivery-book.js';
import type { FileQueue } from '../../src/queue/file-queue.js';
import type { Task } from '../../src/queue/task.js';
import { openQueue } from '../helpers/queue-fixture.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

const MODEM = 'modem0:001010000000001';
const TO = '+61404341143';

async function leasedTask(q: FileQueue, parts = 1): Promise<Task> {
  await q.add('sms', [{ data: { to: TO, msg: 'x' }, parts }]);
  const [t] = await q.lease('sms', 'builtin:modem0', 1);
  return t!;
}

async function setup(holdMs = 60_000): Promise<{ q: FileQueue; book: DeliveryBook; events: Task[] }> {
  const fx = await openQueue();
  close = fx.close;
  const events: Task[] = [];
  const book = new DeliveryBook(fx.q.store, (t) => events.push(t), { holdMs });
  return { q: fx.q, book, events };
}

describe('delivery book', () => {
  it('holds a report that matches nothing, matches it when its send is recorded', async () => {
    const { q, book, events } = await setup();
    const t = await leasedTask(q);
    expect(await book.report('sms', { modem: MODEM, reference: 9, recipient: TO, status: 0 })).toBe('held');
    expect(book.heldCount).toBe(1);
    book.sending(MODEM);
    await book.sent('sms', { taskId: t._id, index: 0, modem: MODEM, reference: 9, recipient: TO });
    book.ended(MODEM);
    expect(book.heldCount).toBe(0);
    await new Promise((r) => setImmediate(r));
    await q.store.commit();
    expect((await q.get('sms', t._id)).delivery).toMatchObject({ status: 'delivered', references: [9], parts: [{ reference: 9, modem: MODEM, status: 'delivered', reportStatus: 0 }] });
    expect(events.map((e) => e.delivery?.status)).toEqual(['delivered']);
    book.close();
  });

  it('drops a report still unmatched after the hold time, and counts it', async () => {
    const { book } = await setup(30);
    const dropped = once(book, 'unmatched');
    expect(await book.report('sms', { modem: MODEM, reference: 1, recipient: TO, status: 0 })).toBe('held');
    const [queue, report] = await dropped;
    expect(queue).toBe('sms');
    expect(report).toMatchObject({ reference: 1 });
    expect(book.counts('sms')).toMatchObject({ unmatched: 1, delivered: 0 });
    expect(book.heldCount).toBe(0);
  });

  it('a multipart task is delivered only once its last part is; "still trying" never undoes a final report', async () => {
    const { q, book, events } = await setup();
    const t = await leasedTask(q, 2);
    await book.sent('sms', { taskId: t._id, index: 0, modem: MODEM, reference: 3, recipient: TO });
    expect(await book.report('sms', { modem: MODEM, reference: 3, recipient: TO, status: 0x21 })).toBe('matched');
    expect((await q.get('sms', t._id)).delivery).toMatchObject({ status: 'pending', reason: /recipient busy/ });
    expect(await book.report('sms', { modem: MODEM, reference: 3, recipient: TO, status: 0 })).toBe('matched');
    expect((await q.get('sms', t._id)).delivery?.status).toBe('pending'); // part 2 not sent yet
    await book.sent('sms', { taskId: t._id, index: 1, modem: MODEM, reference: 4, recipient: TO });
    await book.report('sms', { modem: MODEM, reference: 3, recipient: TO, status: 0x21 }); // late, out of order
    await book.report('sms', { modem: MODEM, reference: 4, recipient: TO, status: 0x02 });
    const d = (await q.get('sms', t._id)).delivery!;
    expect(d).toMatchObject({ status: 'delivered', references: [3, 4] });
    expect(d.parts.map((p) => [p.status, p.reason])).toEqual([
      ['delivered', 'received by the recipient'],
      ['delivered', 'replaced by the service centre'],
    ]);
    expect(events.map((e) => e.delivery?.status)).toEqual(['delivered']);
    expect(book.counts('sms')).toMatchObject({ delivered: 2, pending: 2, failed: 0 });
  });

  it('the parts outlive a restart: a new book over the same store matches a finished task', async () => {
    const fx = await openQueue();
    close = fx.close;
    const t = await leasedTask(fx.q);
    await fx.q.deliveries.sent('sms', { taskId: t._id, index: 0, modem: MODEM, reference: 200, recipient: TO });
    await fx.q.report('sms', 'builtin:modem0', [{ _id: t._id, status: 'done' }]);
    const q2 = await fx.reopen();
    expect(await q2.deliveries.report('sms', { modem: MODEM, reference: 200, recipient: '0404341143', status: 0x43 })).toBe('matched');
    expect((await q2.get('sms', t._id)).delivery).toMatchObject({ status: 'failed', reason: 'permanent error: not obtainable (unknown subscriber)' });
    expect(await q2.deliveries.report('sms', { modem: 'modem1:001010000000002', reference: 200, recipient: TO, status: 0 })).toBe('held');
  });
});
