import { afterEach, describe, expect, it } from 'vitest';
import { startHttp, type HttpHarness } from '../helpers/http-harness.js';

/**
 * An idempotencyKey names one message: the same request again gets the first task
 * (200), a request with the key and another `to` or `msg` is refused 409, since
 * answering it with the first task would drop the new SMS without a word.
 */
let h: HttpHarness;
afterEach(async () => h?.close());

const json = { 'content-type': 'application/json' };
const send = (body: unknown) => h.app.inject({ method: 'POST', url: '/v1/queue/sms/send', headers: json, payload: JSON.stringify(body) });
const CONFLICT = {
  error: 'Conflict',
  code: 'IDEMPOTENCY_CONFLICT',
  field: 'idempotencyKey',
  message: 'idempotencyKey "k1" was used for another message (to/msg differ); use a new key',
};

describe('a reused idempotencyKey', () => {
  it.each([
    ['another to', { to: '+61404341144', msg: 'hello' }],
    ['another msg', { to: '+61404341143', msg: 'hello!' }],
  ])('with %s is refused 409 naming the key; the first task is untouched', async (_what, other) => {
    h = await startHttp();
    const first = await send({ to: '+61404341143', msg: 'hello', idempotencyKey: 'k1' });
    expect(first.statusCode).toBe(201);
    const r = await send({ ...other, idempotencyKey: 'k1' });
    expect(r.statusCode).toBe(409);
    expect(r.json()).toEqual(CONFLICT);
    expect(h.gateway.queue.counts('sms').queued).toBe(1);
    const task = (await h.app.inject({ method: 'GET', url: `/v1/queue/sms/tasks/${first.json()._id}` })).json();
    expect(task.data).toEqual({ to: '+61404341143', msg: 'hello' });
  });

  it('with the same message, also written as a national number, returns the first task (200)', async () => {
    h = await startHttp({ defaultRegion: 'AU' });
    const first = await send({ to: '+61404341143', msg: 'hello', idempotencyKey: 'k1' });
    const again = await send({ to: '0404 341 143', msg: 'hello', idempotencyKey: 'k1', priority: 10 });
    expect(again.statusCode).toBe(200);
    expect(again.json()._id).toBe(first.json()._id);
  });

  it('in a batch refuses the whole batch, before anything of it is stored', async () => {
    h = await startHttp();
    await send({ to: '+61404341143', msg: 'hello', idempotencyKey: 'k1' });
    const r = await send({ messages: [{ to: '+61404341145', msg: 'new one' }, { to: '+61404341143', msg: 'changed', idempotencyKey: 'k1' }] });
    expect(r.statusCode).toBe(409);
    expect(r.json()).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', field: 'idempotencyKey' });
    expect(h.gateway.queue.counts('sms').queued).toBe(1);
  });

  it('twice within one batch for two messages is refused; twice for one message is one task', async () => {
    h = await startHttp();
    const twice = await send({ messages: [{ to: '+61404341143', msg: 'a', idempotencyKey: 'k1' }, { to: '+61404341143', msg: 'b', idempotencyKey: 'k1' }] });
    expect([twice.statusCode, twice.json()]).toEqual([409, CONFLICT]);
    expect(h.gateway.queue.counts('sms').queued).toBe(0);
    const same = await send({ messages: [{ to: '+61404341143', msg: 'a', idempotencyKey: 'k1' }, { to: '+61404341143', msg: 'a', idempotencyKey: 'k1' }] });
    expect(same.statusCode).toBe(201);
    const [a, b] = same.json().messages;
    expect(b._id).toBe(a._id);
  });
});
