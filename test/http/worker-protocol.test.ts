import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHttp, type HttpHarness } from '../helpers/http-harness.js';

const json = { 'content-type': 'application/json' };

describe('katar worker protocol', () => {
  let h: HttpHarness;
  beforeEach(async () => {
    h = await startHttp({ queues: { sms: { pollingIntervalMs: 30000 } } });
  });
  afterEach(async () => h.close());

  it('GET /v1/queue/sms answers the configuration byte for byte', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/v1/queue/sms' });
    expect(r.statusCode).toBe(200);
    expect(r.body).toBe('{"configuration":{"interval":30000}}');
  });

  it('answers 404 for an unknown queue', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/v1/queue/nope' });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toMatchObject({ code: 'QUEUE_NOT_FOUND' });
  });

  it('answers a poll with nothing ready by 204 and an empty body', async () => {
    const r = await h.app.inject({ method: 'POST', url: '/v1/queue/sms', headers: json, payload: '{}' });
    expect(r.statusCode).toBe(204);
    expect(r.body).toBe('');
  });

  it('accepts an empty body as a poll, as katar clients send it', async () => {
    const r = await h.app.inject({ method: 'POST', url: '/v1/queue/sms', headers: json, payload: '' });
    expect(r.statusCode).toBe(204);
  });

  it('hands out a task exactly in the katar wire format, then takes the report', async () => {
    const id = await h.gateway.send({ to: '+61404341143', msg: 'this is an sms' });
    const r = await h.app.inject({ method: 'POST', url: '/v1/queue/sms', headers: json, payload: '{}' });
    expect(r.statusCode).toBe(200);
    expect(r.body).toBe(`{"tasks":[{"_id":"${id}","data":{"to":"+61404341143","msg":"this is an sms"}}]}`);
    const rep = await h.app.inject({ method: 'POST', url: '/v1/queue/sms', headers: json, payload: JSON.stringify({ tasks: [{ _id: id, status: 'done' }] }) });
    expect(rep.statusCode).toBe(204);
    expect((await h.gateway.queue.get('sms', id)).status).toBe('done');
  });

  it('hands out several tasks when a worker asks with max', async () => {
    for (let i = 0; i < 3; i++) await h.gateway.send({ to: '+61404341143', msg: `m${i}` });
    const r = await h.app.inject({ method: 'POST', url: '/v1/queue/sms', headers: json, payload: '{"max":2}' });
    expect(r.json().tasks).toHaveLength(2);
  });

  it.each([
    ['an unknown task id', { tasks: [{ _id: 'unknown1', status: 'done' }] }, 404, 'TASK_NOT_FOUND'],
    ['an invalid status', { tasks: [{ _id: 'x', status: 'sent' }] }, 400, 'VALIDATION'],
    ['failed without error', { tasks: [{ _id: 'x', status: 'failed' }] }, 400, 'VALIDATION'],
    ['an unknown field', { task: [] }, 400, 'VALIDATION'],
  ])('answers %s with a 4xx JSON error', async (_what, body, status, code) => {
    const r = await h.app.inject({ method: 'POST', url: '/v1/queue/sms', headers: json, payload: JSON.stringify(body) });
    expect(r.statusCode).toBe(status);
    expect(r.json()).toMatchObject({ code });
    expect(typeof r.json().message).toBe('string');
  });

  it('answers a body that is not JSON with 400', async () => {
    const r = await h.app.inject({ method: 'POST', url: '/v1/queue/sms', headers: json, payload: '{"tasks": [' });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ error: 'Bad Request', code: 'VALIDATION' });
  });

  it('names the field of a failed report without error', async () => {
    const r = await h.app.inject({ method: 'POST', url: '/v1/queue/sms', headers: json, payload: '{"tasks":[{"_id":"a","status":"failed"}]}' });
    expect(r.json().message).toMatch(/tasks\[0\]\.error/);
  });

  it('answers 409 to a report that comes after the task went to another worker', async () => {
    await h.close();
    h = await startHttp({ queues: { sms: { retry: { initialDelayMs: 0 } } } });
    const id = await h.gateway.send({ to: '+61404341143', msg: 'x' });
    const poll = (worker: string, body: unknown) => h.app.inject({ method: 'POST', url: '/v1/queue/sms', headers: { ...json, 'x-katar-worker': worker }, payload: JSON.stringify(body) });
    expect((await poll('a', {})).statusCode).toBe(200);
    // a's attempt fails (reported without polling again); b takes the retry
    await h.gateway.queue.report('sms', 'http:127.0.0.1/a', [{ _id: id, status: 'failed', error: 'modem busy' }]);
    expect((await poll('b', {})).json().tasks[0]._id).toBe(id);
    const late = await poll('a', { tasks: [{ _id: id, status: 'done' }] });
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ code: 'LEASE_LOST' });
    const t = await h.gateway.queue.get('sms', id);
    expect(t.status).toBe('in progress');
    expect(t.lease?.worker).toBe('http:127.0.0.1/b');
  });

  it('stores a received SMS and emits it', async () => {
    const seen: Array<{ from: string; msg: string }> = [];
    h.gateway.on('sms', (s) => seen.push({ from: s.from, msg: s.msg }));
    const r = await h.app.inject({ method: 'POST', url: '/v1/queue/sms/receive', headers: json, payload: '{"sms":{"from":"0404123456","msg":"msg received"}}' });
    expect(r.statusCode).toBe(204);
    expect(r.body).toBe('');
    expect(seen).toEqual([{ from: '0404123456', msg: 'msg received' }]);
    const inbox = await h.app.inject({ method: 'GET', url: '/v1/queue/sms/inbox' });
    expect(inbox.json().messages.map((m: { msg: string }) => m.msg)).toEqual(['msg received']);
  });

  it('stores a received SMS with a worker id once, however often it is posted', async () => {
    for (let i = 0; i < 3; i++) {
      await h.app.inject({ method: 'POST', url: '/v1/queue/sms/receive', headers: json, payload: '{"sms":{"from":"+61404341143","msg":"hello","id":"w1-7"}}' });
    }
    const inbox = await h.app.inject({ method: 'GET', url: '/v1/queue/sms/inbox' });
    expect(inbox.json().messages).toHaveLength(1);
  });

  it('rejects a receive without sms.from naming the field', async () => {
    const r = await h.app.inject({ method: 'POST', url: '/v1/queue/sms/receive', headers: json, payload: '{"sms":{"msg":"x"}}' });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'VALIDATION', field: 'sms.from' });
  });
});
