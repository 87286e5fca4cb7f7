import { afterEach, describe, expect, it } from 'vitest';
import { startHttp, type HttpHarness } from '../helpers/http-harness.js';

/**
 * Input details: dates that do not exist are refused naming the field (Date.parse rolled
 * them over), a body that is not UTF-8 is refused (it was decoded with U+FFFD), and a
 * received SMS from before 1970 gets a proper id (it got "undefined...").
 */
let h: HttpHarness;
afterEach(async () => h.close());

const json = { 'content-type': 'application/json' };
const send = (payload: string | Buffer | object) => h.app.inject({ method: 'POST', url: '/v1/queue/sms/send', headers: json, payload: payload as string });
const stored = (): number => h.gateway.queue.store.live.size;

describe('dates that do not exist', () => {
  it.each([
    ['sendAt', '2026-02-30T10:00:00Z'],
    ['sendAt', '2026-13-01T00:00:00Z'],
    ['sendAt', '2027-02-29T09:00:00Z'],
    ['sendAt', '2030-01-01T24:00:00Z'],
    ['validUntil', '2031-04-31T00:00:00Z'],
    ['validUntil', '2030-06-01T12:60:00Z'],
  ])('%s %s is refused 400 naming the field, and nothing is stored', async (field, value) => {
    h = await startHttp();
    const r = await send({ to: '+61404341143', msg: 'x', [field]: value });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'VALIDATION', field, message: expect.stringContaining(field) });
    const batch = await send({ messages: [{ to: '+61404341143', msg: 'ok' }, { to: '+61404341143', msg: 'x', [field]: value }] });
    expect(batch.json()).toMatchObject({ code: 'VALIDATION', field: `messages[1].${field}` });
    expect(stored()).toBe(0);
  });

  it('keeps a date that exists as given: 29 February of a leap year, an offset', async () => {
    h = await startHttp();
    const r = await send({ to: '+61404341143', msg: 'x', sendAt: '2028-02-29T10:00:00+10:00', validUntil: '2028-03-01T00:00:00Z' });
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({ sendAt: '2028-02-29T00:00:00.000Z', validUntil: '2028-03-01T00:00:00.000Z' });
  });

  it('refuses an sms.receivedAt that does not exist, naming it', async () => {
    h = await startHttp();
    const r = await h.app.inject({ method: 'POST', url: '/v1/queue/sms/receive', headers: json, payload: { sms: { from: '+61404341143', msg: 'hi', receivedAt: '2026-02-30T10:00:00Z' } } });
    expect([r.statusCode, r.json().field]).toEqual([400, 'sms.receivedAt']);
    expect(h.gateway.queue.store.inbox.length).toBe(0);
  });
});

describe('a received SMS from before 1970', () => {
  it.each(['1969-12-31T23:59:59Z', '1900-01-01T00:00:00Z', '1970-01-01T00:00:00Z'])('receivedAt %s is stored with a valid id and the time as given', async (receivedAt) => {
    h = await startHttp();
    const r = await h.app.inject({ method: 'POST', url: '/v1/queue/sms/receive', headers: json, payload: { sms: { from: '+61404341143', msg: 'from the past', receivedAt } } });
    expect(r.statusCode).toBe(204);
    const [entry] = h.gateway.queue.store.inbox;
    expect(entry?._id).toMatch(/^[0-9abcdefghjkmnpqrstvwxyz]{26}$/);
    const inbox = (await h.app.inject({ method: 'GET', url: '/v1/queue/sms/inbox' })).json();
    expect(inbox.messages).toMatchObject([{ _id: entry!._id, msg: 'from the past', receivedAt: new Date(receivedAt).toISOString() }]);
  });
});

describe('a body that is not UTF-8', () => {
  const prefix = Buffer.from('{"to":"+61404341143","msg":"caf');
  const suffix = Buffer.from('"}');
  it.each([
    ['a Latin-1 é', [0xe9]],
    ['a truncated sequence', [0xc3]],
    ['an overlong encoding of /', [0xc0, 0xaf]],
    ['an encoded surrogate (CESU-8)', [0xed, 0xa0, 0x80]],
    ['a byte that never occurs', [0xff]],
  ])('with %s is refused 400 VALIDATION naming the body, and nothing is stored', async (_what, bytes) => {
    h = await startHttp();
    const r = await send(Buffer.concat([prefix, Buffer.from(bytes), suffix]));
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'VALIDATION', message: 'the body is not valid UTF-8' });
    const poll = await h.app.inject({ method: 'POST', url: '/v1/queue/sms/receive', headers: json, payload: Buffer.concat([Buffer.from('{"sms":{"from":"+61404341143","msg":"'), Buffer.from(bytes), suffix, Buffer.from('}')]) });
    expect(poll.statusCode).toBe(400);
    expect(stored()).toBe(0);
    expect(h.gateway.queue.store.inbox.length).toBe(0);
  });

  it('is taken when it is UTF-8, whatever the script', async () => {
    h = await startHttp();
    const r = await send(Buffer.from(JSON.stringify({ to: '+61404341143', msg: 'café ελληνικά 💥' }), 'utf8'));
    expect(r.statusCode).toBe(201);
    expect(r.json().data.msg).toBe('café ελληνικά 💥');
  });
});
