import { afterEach, describe, expect, it } from 'vitest';
import { startHttp, type HttpHarness } from '../helpers/http-harness.js';

let h: HttpHarness;
afterEach(async () => h?.close());

const get = (url: string) => h.app.inject({ method: 'GET', url });
const send = (to: string) => h.app.inject({ method: 'POST', url: '/v1/queue/sms/send', payload: { to, msg: `to ${to}` } });

describe('listing filters of the Messages and Inbox pages', () => {
  it('tasks: order=desc newest first with next into the past; to= finds by number', async () => {
    h = await startHttp();
    const numbers = ['+61404000001', '+61404999002', '+61404000003', '+4915100000004'];
    const ids: string[] = [];
    for (const n of numbers) ids.push((await send(n)).json()._id);
    const p1 = (await get('/v1/queue/sms/tasks?order=desc&limit=3')).json();
    expect(p1.tasks.map((t: { _id: string }) => t._id)).toEqual([ids[3], ids[2], ids[1]]);
    const p2 = (await get(`/v1/queue/sms/tasks?order=desc&limit=3&cursor=${p1.next}`)).json();
    expect(p2).toEqual({ tasks: [expect.objectContaining({ _id: ids[0] })] });
    const byNumber = (await get('/v1/queue/sms/tasks?order=desc&to=%2B61404000')).json();
    expect(byNumber.tasks.map((t: { _id: string }) => t._id)).toEqual([ids[2], ids[0]]);
    expect((await get('/v1/queue/sms/tasks?to=4915&status=queued')).json().tasks).toHaveLength(1);
    // A + left unencoded arrives as a space: still the + it was.
    expect((await get('/v1/queue/sms/tasks?to=+61404000')).json().tasks).toHaveLength(2);
    expect((await get('/v1/queue/sms/tasks?to=+4915')).json().tasks).toHaveLength(1);
  });

  it('inbox: from= finds by sender, newest first with order=desc', async () => {
    h = await startHttp();
    const q = h.gateway.parts.queue;
    for (const from of ['+61404000001', '+4915100000', '+61404000002']) await q.receive('sms', { from, msg: `from ${from}`, source: 'http' });
    const res = (await get('/v1/queue/sms/inbox?order=desc&from=61404000')).json();
    expect(res.messages.map((m: { from: string }) => m.from)).toEqual(['+61404000002', '+61404000001']);
    expect(res.next).toEqual(expect.any(String));
  });

  it.each([
    ['/v1/queue/sms/tasks?order=newest', 'order', 'order must be asc or desc'],
    ['/v1/queue/sms/tasks?to=abc', 'to', 'to must be digits, optionally after a + (1 to 20)'],
    ['/v1/queue/sms/tasks?to=', 'to', 'to must be digits, optionally after a + (1 to 20)'],
    ['/v1/queue/sms/inbox?from=%2B%2B1', 'from', 'from must be digits, optionally after a + (1 to 20)'],
    ['/v1/queue/sms/inbox?order=sideways', 'order', 'order must be asc or desc'],
  ])('%s is refused 400 naming %s', async (url, field, message) => {
    h = await startHttp();
    const res = await get(url);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VALIDATION', field, message });
  });
});
