import { afterEach, describe, expect, it } from 'vitest';
import { startHttp, type HttpHarness } from '../helpers/http-harness.js';

const json = { 'content-type': 'application/json' };
let h: HttpHarness;
afterEach(async () => h?.close());

const send = (body: unknown, headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'POST', url: '/v1/queue/sms/send', headers: { ...json, ...headers }, payload: JSON.stringify(body) });

describe('producer API', () => {
  it('queues an SMS, normalised to E.164, with its part count, and 201 once on disk', async () => {
    h = await startHttp({ defaultRegion: 'AU' });
    const r = await send({ to: '0404 341 143', msg: 'hello' });
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({ status: 'queued', parts: 1, data: { to: '+61404341143', msg: 'hello' } });
    const again = await h.app.inject({ method: 'GET', url: `/v1/queue/sms/tasks/${r.json()._id}` });
    expect(again.json()).toMatchObject({ _id: r.json()._id, status: 'queued', attempts: [] });
  });

  it('counts parts by GSM 7-bit and UCS-2 rules', async () => {
    h = await startHttp();
    expect((await send({ to: '+61404341143', msg: 'a'.repeat(160) })).json().parts).toBe(1);
    expect((await send({ to: '+61404341143', msg: 'a'.repeat(161) })).json().parts).toBe(2);
    expect((await send({ to: '+61404341143', msg: '€'.repeat(80) })).json().parts).toBe(1);
    expect((await send({ to: '+61404341143', msg: 'ж'.repeat(71) })).json().parts).toBe(2);
  });

  it.each([
    [{ msg: 'x' }, 'to'],
    [{ to: '+61404341143' }, 'msg'],
    [{ to: 'not a number', msg: 'x' }, 'to'],
    [{ to: '0404341143', msg: 'x' }, 'to'],
    [{ to: 61404341143, msg: 'x' }, 'to'],
    [{ to: '+61491570159abc', msg: 'x' }, 'to'],
    [{ to: '+61491570159 ext 5', msg: 'x' }, 'to'],
    [{ to: '+61491570159;drop', msg: 'x' }, 'to'],
    [{ to: '+61404341143', msg: '' }, 'msg'],
    [{ to: '+61404341143', msg: 'x'.repeat(1600) }, 'msg'],
    [{ to: '+61404341143', msg: 'x', priority: 'high' }, 'priority'],
    [{ to: '+61404341143', msg: 'x', priority: 5000 }, 'priority'],
    [{ to: '+61404341143', msg: 'x', sendAt: 'tomorrow' }, 'sendAt'],
    [{ to: '+61404341143', msg: 'x', validUntil: '2001-01-01T00:00:00Z' }, 'validUntil'],
    [{ to: '+61404341143', msg: 'x', colour: 'red' }, 'colour'],
    [{ messages: [{ to: '+61404341143', msg: 'ok' }, { to: 'bad', msg: 'x' }] }, 'messages[1].to'],
  ])('rejects %j naming %s, and stores nothing', async (body, field) => {
    h = await startHttp();
    const r = await send(body);
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'VALIDATION', field });
    expect(r.json().message).toContain(field);
    expect(h.gateway.queue.counts('sms').queued).toBe(0);
  });

  it('caps request bodies', async () => {
    h = await startHttp();
    const r = await send({ to: '+61404341143', msg: 'x'.repeat(70_000) });
    expect(r.statusCode).toBe(413);
    expect(r.json()).toMatchObject({ error: 'Payload Too Large' });
  });

  it('queues a batch in one write', async () => {
    h = await startHttp();
    const r = await send({ messages: [{ to: '+61404341143', msg: 'a' }, { to: '+4915112345678', msg: 'b', priority: 10 }] });
    expect(r.statusCode).toBe(201);
    expect(r.json().messages.map((t: { data: { to: string } }) => t.data.to)).toEqual(['+61404341143', '+4915112345678']);
  });

  it('returns the first task for a repeated idempotency key (200), never a second SMS', async () => {
    h = await startHttp();
    const a = await send({ to: '+61404341143', msg: 'x', idempotencyKey: 'order-17' });
    const b = await send({ to: '+61404341143', msg: 'x', idempotencyKey: 'order-17' });
    expect(a.statusCode).toBe(201);
    expect(b.statusCode).toBe(200);
    expect(b.json()._id).toBe(a.json()._id);
    expect(h.gateway.queue.counts('sms').queued).toBe(1);
  });

  it('cancels a queued task, and answers 409 once it is in progress', async () => {
    h = await startHttp();
    const a = (await send({ to: '+61404341143', msg: 'a' })).json()._id;
    const b = (await send({ to: '+61404341143', msg: 'b' })).json()._id;
    const del = await h.app.inject({ method: 'DELETE', url: `/v1/queue/sms/tasks/${b}` });
    expect(del.json().status).toBe('cancelled');
    await h.app.inject({ method: 'POST', url: '/v1/queue/sms', headers: json, payload: '{}' });
    const busy = await h.app.inject({ method: 'DELETE', url: `/v1/queue/sms/tasks/${a}` });
    expect(busy.statusCode).toBe(409);
    expect((await h.app.inject({ method: 'DELETE', url: '/v1/queue/sms/tasks/nosuchtask' })).statusCode).toBe(404);
  });

  it('pages tasks and the inbox with a cursor, oldest first', async () => {
    h = await startHttp();
    for (let i = 0; i < 5; i++) await send({ to: '+61404341143', msg: `m${i}` });
    for (let i = 0; i < 3; i++) await h.gateway.queue.receive('sms', { from: '+61404341143', msg: `in${i}`, source: 'test' });
    const p1 = (await h.app.inject({ method: 'GET', url: '/v1/queue/sms/tasks?limit=2' })).json();
    const p2 = (await h.app.inject({ method: 'GET', url: `/v1/queue/sms/tasks?limit=2&cursor=${p1.next}` })).json();
    const p3 = (await h.app.inject({ method: 'GET', url: `/v1/queue/sms/tasks?limit=2&cursor=${p2.next}` })).json();
    expect([...p1.tasks, ...p2.tasks, ...p3.tasks].map((t: { data: { msg: string } }) => t.data.msg)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(p3.next).toBeUndefined();
    const i1 = (await h.app.inject({ method: 'GET', url: '/v1/queue/sms/inbox?limit=2' })).json();
    const i2 = (await h.app.inject({ method: 'GET', url: `/v1/queue/sms/inbox?since=${i1.next}` })).json();
    expect([...i1.messages, ...i2.messages].map((m: { msg: string }) => m.msg)).toEqual(['in0', 'in1', 'in2']);
    const bad = await h.app.inject({ method: 'GET', url: '/v1/queue/sms/tasks?limit=abc' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('limit');
  });

  it('reports liveness, queue depth, metrics and the OpenAPI document', async () => {
    h = await startHttp();
    await send({ to: '+61404341143', msg: 'x' });
    const health = (await h.app.inject({ method: 'GET', url: '/healthz' })).json();
    expect(health).toMatchObject({ status: 'ok', queues: { sms: { queued: 1 } } });
    const metrics = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('katar_tasks{queue="sms",status="queued"} 1');
    expect(metrics.body).toContain('katar_tasks_created_total{queue="sms"} 1');
    expect(metrics.body).toMatch(/katar_http_request_duration_seconds_count\{method="POST",route="\/v1\/queue\/:queue\/send",status="201"\} 1/);
    const doc = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toContain('/v1/queue/{queue}/send');
  });
});

describe('security', () => {
  const tokens = [
    { name: 'shop', token: 'producer-token-0123456789', role: 'producer' },
    { name: 'phone', token: 'worker-token-0123456789ab', role: 'worker' },
    { name: 'ops', token: 'admin-token-0123456789abcd', role: 'admin' },
  ];
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

  it.each([
    ['POST', '/v1/queue/sms/send', { to: '+61404341143', msg: 'x' }, [401, 201, 403, 201]],
    ['GET', '/v1/queue/sms/inbox', undefined, [401, 200, 403, 200]],
    ['POST', '/v1/queue/sms', {}, [401, 403, 204, 204]],
    ['POST', '/v1/queue/sms/receive', { sms: { from: '+61404341143', msg: 'x' } }, [401, 403, 204, 204]],
    ['GET', '/v1/queue/sms', undefined, [401, 200, 200, 200]],
    ['GET', '/metrics', undefined, [401, 403, 403, 200]],
    ['GET', '/healthz', undefined, [200, 200, 200, 200]],
  ])('%s %s: none / producer / worker / admin', async (method, url, body, expected) => {
    h = await startHttp({ tokens });
    const got: number[] = [];
    for (const headers of [{}, bearer(tokens[0]!.token), bearer(tokens[1]!.token), bearer(tokens[2]!.token)]) {
      const r = await h.app.inject({ method: method as 'GET' | 'POST', url, headers: { ...json, ...headers }, ...(body !== undefined && { payload: JSON.stringify(body) }) });
      got.push(r.statusCode);
    }
    expect(got).toEqual(expected);
  });

  it('rejects an unknown token', async () => {
    h = await startHttp({ tokens });
    const r = await send({ to: '+61404341143', msg: 'x' }, bearer('producer-token-0123456780'));
    expect(r.statusCode).toBe(401);
    expect(r.json()).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('limits the request rate per token on producer routes', async () => {
    h = await startHttp({ tokens, rateLimit: { max: 3, windowMs: 60_000 } });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await send({ to: '+61404341143', msg: 'x' }, bearer(tokens[0]!.token))).statusCode);
    expect(codes).toEqual([201, 201, 201, 429, 429]);
    const limited = await send({ to: '+61404341143', msg: 'x' }, bearer(tokens[0]!.token));
    expect(limited.json()).toMatchObject({ code: 'RATE_LIMITED' });
    // another token has its own budget
    expect((await send({ to: '+61404341143', msg: 'x' }, bearer(tokens[2]!.token))).statusCode).toBe(201);
  });
});
