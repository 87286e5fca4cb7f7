import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHttp, type HttpHarness } from '../helpers/http-harness.js';

const json = { 'content-type': 'application/json' };

describe('worker protocol extensions (clients that do not use them see no change)', () => {
  let h: HttpHarness;
  beforeEach(async () => {
    h = await startHttp({ queues: { sms: { retry: { initialDelayMs: 0 } } } });
  });
  afterEach(async () => h.close());

  const poll = (body: unknown) => h.app.inject({ method: 'POST', url: '/v1/queue/sms', headers: json, payload: JSON.stringify(body) });

  it('long-poll: a poll with waitMs is answered as soon as a task is queued', async () => {
    const started = Date.now();
    const pending = poll({ waitMs: 10_000 });
    await new Promise((r) => setTimeout(r, 50));
    const id = await h.gateway.send({ to: '+61404341143', msg: 'wake up' });
    const r = await pending;
    expect(r.statusCode).toBe(200);
    expect(r.json().tasks[0]._id).toBe(id);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('long-poll: answers 204 when nothing came within waitMs', async () => {
    const r = await poll({ waitMs: 100 });
    expect(r.statusCode).toBe(204);
  });

  it('max 0 reports without taking the next task', async () => {
    const a = await h.gateway.send({ to: '+61404341143', msg: 'a' });
    await h.gateway.send({ to: '+61404341143', msg: 'b' });
    await poll({});
    const r = await poll({ max: 0, tasks: [{ _id: a, status: 'done' }] });
    expect(r.statusCode).toBe(204);
    expect(h.gateway.queue.counts('sms')).toMatchObject({ done: 1, queued: 1, 'in progress': 0 });
  });

  it('attempt: each hand-out is numbered, and a report with an older number is refused with 409 LEASE_LOST', async () => {
    const id = await h.gateway.send({ to: '+61404341143', msg: 'x' });
    expect((await poll({ withAttempt: true })).json().tasks).toEqual([{ _id: id, data: { to: '+61404341143', msg: 'x' }, attempt: 1 }]);
    // The first hand-out fails; the same worker takes the retry, the second hand-out.
    await h.gateway.queue.report('sms', 'http:127.0.0.1', [{ _id: id, status: 'failed', error: 'modem busy', attempt: 1 }]);
    expect((await poll({ withAttempt: true })).json().tasks[0]).toMatchObject({ _id: id, attempt: 2 });
    const stale = await poll({ max: 0, tasks: [{ _id: id, status: 'failed', error: 'late news of attempt 1', attempt: 1 }] });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ code: 'LEASE_LOST' });
    expect(h.gateway.queue.counts('sms')).toMatchObject({ 'in progress': 1, failed: 0 });
    expect((await poll({ max: 0, tasks: [{ _id: id, status: 'done', attempt: 2 }] })).statusCode).toBe(204);
    expect(h.gateway.queue.counts('sms')).toMatchObject({ done: 1, 'in progress': 0 });
  });

  it('without withAttempt a task is handed out as katar does, only _id and data', async () => {
    const id = await h.gateway.send({ to: '+61404341143', msg: 'x' });
    expect((await poll({})).json().tasks).toEqual([{ _id: id, data: { to: '+61404341143', msg: 'x' } }]);
  });

  it('attempt must be a positive integer', async () => {
    const r = await poll({ tasks: [{ _id: 'a', status: 'done', attempt: 0 }] });
    expect(r.statusCode).toBe(400);
    expect(r.json().message).toMatch(/attempt/);
  });

  it('final marks a failure that must not be retried', async () => {
    const a = await h.gateway.send({ to: '+61404341143', msg: 'a' });
    await poll({});
    await poll({ max: 0, tasks: [{ _id: a, status: 'failed', error: 'outcome unknown: modem silent after the PDU', final: true }] });
    const t = await h.gateway.queue.get('sms', a);
    expect(t.status).toBe('failed');
    expect(t.attempts).toHaveLength(1);
  });

  it('a final failure still needs its error, and nothing changes without it', async () => {
    const a = await h.gateway.send({ to: '+61404341143', msg: 'a' });
    await poll({});
    const r = await poll({ max: 0, tasks: [{ _id: a, status: 'failed', final: true }] });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'VALIDATION', field: 'tasks[0].error' });
    expect((await h.gateway.queue.get('sms', a)).status).toBe('in progress');
  });
});
