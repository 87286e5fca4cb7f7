import { describe, expect, it } from 'vitest';
import { eventTask, mergeTask } from '../../src/dashboard/task-merge.js';
import { conversations, thread } from '../../src/dashboard/threads.js';
import type { InboxEntry, Task } from '../../src/dashboard/types.js';

const task = (over: Partial<Task>): Task => ({ _id: 't1', status: 'queued', data: { to: '+61404341143', msg: 'hi' }, ...over });
const sms = (seq: number, from: string, receivedAt: string): InboxEntry => ({ _id: `s${seq}`, seq, from, msg: `m${seq}`, receivedAt });

describe('the dashboard\'s picture of a task from out-of-order events', () => {
  it('never takes a finished status back when a delivery report overtakes the send outcome', () => {
    const delivered = task({ status: 'in progress', delivery: { status: 'delivered' } });
    const sent = task({ status: 'done', delivery: { status: 'pending' }, attempts: [{ n: 1, outcome: 'done' }] });
    // sms.delivered (status still in progress) arrives before sms.sent, and the other way round.
    for (const [a, b] of [[delivered, sent], [sent, delivered]] as const) {
      const t = mergeTask(mergeTask(task({}), a), b);
      expect(t.status).toBe('done');
      expect(t.delivery?.status).toBe('delivered');
      expect(t.attempts).toHaveLength(1);
    }
  });

  it('reads the task of sms.* events, not the inbox entry of sms.received nor modem events', () => {
    expect(eventTask({ id: 1, type: 'sms.sent', time: '', data: task({ status: 'done' }) as unknown as Record<string, unknown> })?.status).toBe('done');
    expect(eventTask({ id: 2, type: 'sms.received', time: '', data: sms(1, '+1', '') as unknown as Record<string, unknown> })).toBeUndefined();
    expect(eventTask({ id: 3, type: 'modem.state', time: '', data: { name: 'modem0', state: 'ready' } })).toBeUndefined();
  });
});

describe('conversations', () => {
  it('groups a newest-first inbox by sender, newest conversation first', () => {
    const list = conversations([sms(3, '+2', '2026-12-02T03:00:00Z'), sms(2, '+1', '2026-12-02T02:00:00Z'), sms(1, '+2', '2026-12-02T01:00:00Z')]);
    expect(list.map((c) => [c.number, c.last.seq, c.count])).toEqual([
      ['+2', 3, 2],
      ['+1', 2, 1],
    ]);
  });

  it('merges received and sent messages of a number by time, oldest first', () => {
    const items = thread([sms(2, '+1', '2026-12-02T02:00:00Z'), sms(1, '+1', '2026-12-02T00:00:00Z')], [task({ _id: 'a', createdAt: '2026-12-02T01:00:00Z' })]);
    expect(items.map((i) => (i.kind === 'in' ? i.sms._id : i.task._id))).toEqual(['s1', 'a', 's2']);
  });
});
