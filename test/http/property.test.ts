import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttp, type HttpHarness } from '../helpers/http-harness.js';

/** Random JSON of every shape, with odd strings (lone surrogates, huge, control chars). */
const oddString = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme', maxLength: 200 }), fc.constantFrom('', '\u0000', '\uD800', '+', '+6140434114300000000', '💥'.repeat(100), 'a'.repeat(5000)));
const anyJson = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.integer(), fc.double(), oddString, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('to', 'msg', 'tasks', 'sms', 'messages', 'max', '_id', 'status', 'error', 'priority', 'sendAt')), tie('value'), { maxKeys: 5 })),
})).value;

const routes: Array<[method: 'POST' | 'GET' | 'DELETE', url: string]> = [
  ['POST', '/v1/queue/sms'],
  ['POST', '/v1/queue/sms/send'],
  ['POST', '/v1/queue/sms/receive'],
  ['GET', '/v1/queue/sms/tasks'],
  ['GET', '/v1/queue/sms/inbox'],
  ['DELETE', '/v1/queue/sms/tasks/x'],
];

describe('every route under random input', () => {
  let h: HttpHarness;
  beforeAll(async () => {
    h = await startHttp();
  });
  afterAll(async () => h.close());

  it.each(routes)('%s %s never answers 5xx, and a rejected body stores nothing', async (method, url) => {
    await fc.assert(
      fc.asyncProperty(anyJson, fc.constantFrom('json', 'raw'), oddString, async (body, kind, query) => {
        const before = h.gateway.queue.store.live.size + h.gateway.queue.store.inbox.length;
        const payload = kind === 'json' ? JSON.stringify(body) : String(query);
        const enc = (v: string): string => [...Buffer.from(v, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
        const q = method === 'GET' ? `?limit=${enc(query)}&since=${enc(query)}` : '';
        const r = await h.app.inject({ method, url: url + q, headers: { 'content-type': 'application/json' }, ...(method !== 'GET' && { payload }) });
        expect(r.statusCode).toBeLessThan(500);
        if (r.statusCode >= 400) {
          expect(r.json()).toMatchObject({ code: expect.any(String), message: expect.any(String) });
          expect(h.gateway.queue.store.live.size + h.gateway.queue.store.inbox.length).toBe(before);
        }
      }),
      { numRuns: 150, seed: 42 },
    );
  });

  it('a valid send with any Unicode text is stored or refused for its length, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 400 }), async (msg) => {
        const r = await h.app.inject({ method: 'POST', url: '/v1/queue/sms/send', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ to: '+61404341143', msg }) });
        expect([201, 400]).toContain(r.statusCode);
        if (r.statusCode === 201) expect(r.json().data.msg).toBe(msg);
      }),
      { numRuns: 150, seed: 7 },
    );
  });
});
