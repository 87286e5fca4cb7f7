import { afterEach, describe, expect, it } from 'vitest';
import { startHttp, type HttpHarness } from '../helpers/http-harness.js';

/**
 * Bodies that are not JSON: `curl -d` without `-H` sends
 * application/x-www-form-urlencoded, and other clients send text/plain or no type at
 * all. Each is answered 415 with what to send instead, and nothing is stored; a POST
 * without any body is an empty JSON object, as an empty JSON body is.
 */
let h: HttpHarness;
afterEach(async () => h?.close());

const UNSUPPORTED = { error: 'Unsupported Media Type', code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send the body as JSON with the header Content-Type: application/json' };
const sms = JSON.stringify({ to: '+61404341143', msg: 'hello' });

describe('a body that is not sent as JSON', () => {
  it.each([
    ['form-urlencoded (curl -d without -H)', { 'content-type': 'application/x-www-form-urlencoded' }, 'to=%2B61404341143&msg=hello'],
    ['text/plain, even holding JSON', { 'content-type': 'text/plain' }, sms],
    ['text/plain with a charset', { 'content-type': 'text/plain; charset=utf-8' }, sms],
    ['no Content-Type at all', {}, sms],
    ['another JSON-like type', { 'content-type': 'application/vnd.katar+json' }, sms],
  ])('%s is refused 415 saying what to send, and nothing is stored', async (_what, headers, payload) => {
    h = await startHttp();
    const r = await h.app.inject({ method: 'POST', url: '/v1/queue/sms/send', headers, payload });
    expect(r.statusCode).toBe(415);
    expect(r.json()).toEqual(UNSUPPORTED);
    expect(h.gateway.queue.counts('sms').queued).toBe(0);
  });

  it('is refused 415 on every route with a body', async () => {
    h = await startHttp();
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    for (const url of ['/v1/queue/sms', '/v1/queue/sms/receive', '/v1/queue/sms/send']) {
      const r = await h.app.inject({ method: 'POST', url, headers: form, payload: 'max=1' });
      expect([url, r.statusCode, r.json()]).toEqual([url, 415, UNSUPPORTED]);
    }
    expect(h.gateway.queue.store.inbox.length).toBe(0);
  });

  it('still checks the token first: a request without one is 401, whatever its body', async () => {
    h = await startHttp({ tokens: [{ name: 'shop', token: 'producer-token-0123456789', role: 'producer' }] });
    const r = await h.app.inject({ method: 'POST', url: '/v1/queue/sms/send', headers: { 'content-type': 'text/plain' }, payload: 'hello' });
    expect(r.statusCode).toBe(401);
  });

  it('takes JSON with a charset parameter', async () => {
    h = await startHttp();
    const r = await h.app.inject({ method: 'POST', url: '/v1/queue/sms/send', headers: { 'content-type': 'application/json; charset=utf-8' }, payload: sms });
    expect(r.statusCode).toBe(201);
  });
});

describe('a POST without a body', () => {
  it('is a poll, as an empty JSON body is: 204 with nothing ready, a task when one is', async () => {
    h = await startHttp();
    expect((await h.app.inject({ method: 'POST', url: '/v1/queue/sms' })).statusCode).toBe(204);
    expect((await h.app.inject({ method: 'POST', url: '/v1/queue/sms', headers: { 'content-type': 'application/json' }, payload: '' })).statusCode).toBe(204);
    const id = await h.gateway.send({ to: '+61404341143', msg: 'x' });
    const r = await h.app.inject({ method: 'POST', url: '/v1/queue/sms', headers: { 'content-length': '0' } });
    expect(r.json()).toEqual({ tasks: [{ _id: id, data: { to: '+61404341143', msg: 'x' } }] });
  });

  it('on a route that needs fields names the first one missing', async () => {
    h = await startHttp();
    const send = await h.app.inject({ method: 'POST', url: '/v1/queue/sms/send' });
    expect([send.statusCode, send.json()]).toEqual([400, { error: 'Bad Request', code: 'VALIDATION', field: 'to', message: 'to is required' }]);
    const receive = await h.app.inject({ method: 'POST', url: '/v1/queue/sms/receive' });
    expect([receive.statusCode, receive.json()]).toEqual([400, { error: 'Bad Request', code: 'VALIDATION', field: 'sms', message: 'sms is required' }]);
  });
});
