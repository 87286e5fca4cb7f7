import { afterEach, describe, expect, it } from 'vitest';
import { startHttp, type HttpHarness } from '../helpers/http-harness.js';

interface InboxPage {
  messages: Array<{ msg: string; seq: number }>;
  next: string;
}

const T0 = Date.parse('2026-03-01T10:00:00Z');

describe('GET /v1/queue/:queue/inbox', () => {
  let h: HttpHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function receive(...texts: string[]): Promise<void> {
    for (const msg of texts) await h!.gateway.queue.receive('sms', { from: '+61404341143', msg, source: 'test', receivedAt: new Date(T0 + Number(msg.slice(2)) * 60_000) });
  }

  async function page(query: string): Promise<InboxPage> {
    const res = await h!.app.inject({ method: 'GET', url: `/v1/queue/sms/inbox${query}` });
    expect(res.statusCode).toBe(200);
    return res.json() as InboxPage;
  }

  const texts = (p: InboxPage): string[] => p.messages.map((m) => m.msg);

  it('carries next on the last page: the seq of its last entry', async () => {
    h = await startHttp();
    await receive('in0', 'in1', 'in2');
    const p1 = await page('?limit=2');
    const p2 = await page(`?limit=2&since=${p1.next}`);
    expect([texts(p1), texts(p2)]).toEqual([['in0', 'in1'], ['in2']]);
    expect(p2.next).toBe(String(p2.messages[0]!.seq));
  });

  it('an empty page keeps the cursor given ("0" without one), so a poller keeps its place', async () => {
    h = await startHttp();
    expect(await page('')).toEqual({ messages: [], next: '0' });
    await receive('in0');
    const first = await page('');
    expect(await page(`?since=${first.next}`)).toEqual({ messages: [], next: first.next });
    await receive('in1');
    expect(texts(await page(`?since=${first.next}`))).toEqual(['in1']);
    // After an instant nothing qualifies yet: next still leads to what comes later.
    const none = await page(`?since=${new Date(T0 + 3_600_000).toISOString()}`);
    expect(none.messages).toEqual([]);
    await receive('in99');
    expect(texts(await page(`?since=${none.next}`))).toEqual(['in99']);
  });

  it('order=desc lists newest first and pages into the past with next', async () => {
    h = await startHttp();
    await receive('in0', 'in1', 'in2', 'in3', 'in4');
    const p1 = await page('?order=desc&limit=2');
    const p2 = await page(`?order=desc&limit=2&since=${p1.next}`);
    const p3 = await page(`?order=desc&limit=2&since=${p2.next}`);
    expect([texts(p1), texts(p2), texts(p3)]).toEqual([['in4', 'in3'], ['in2', 'in1'], ['in0']]);
    expect(p3.next).toBe(String(p3.messages[0]!.seq));
    expect(await page(`?order=desc&limit=2&since=${p3.next}`)).toEqual({ messages: [], next: p3.next });
    expect(texts(await page(`?order=desc&since=${new Date(T0 + 2 * 60_000).toISOString()}`))).toEqual(['in1', 'in0']);
    expect(texts(await page('?order=asc&limit=2'))).toEqual(['in0', 'in1']);
  });

  it('refuses an unknown order with 400 naming order', async () => {
    h = await startHttp();
    const res = await h.app.inject({ method: 'GET', url: '/v1/queue/sms/inbox?order=newest' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VALIDATION', field: 'order', message: 'order must be asc or desc' });
  });

  it('documents order and next in the OpenAPI document', async () => {
    h = await startHttp();
    const doc = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, { get: { summary: string; parameters: Array<{ name: string }> } }> };
    const inbox = doc.paths['/v1/queue/{queue}/inbox']!.get;
    expect(inbox.summary).toMatch(/order=desc/);
    expect(inbox.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(['since', 'limit', 'order']));
  });
});
