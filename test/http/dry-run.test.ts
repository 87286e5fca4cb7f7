import { afterEach, describe, expect, it } from 'vitest';
import { encodeSubmit } from '../../src/modem/pdu/index.js';
import { textShape } from '../../src/gateway/send-intake.js';
import { startHttp, type HttpHarness } from '../helpers/http-harness.js';

let h: HttpHarness;
afterEach(async () => h?.close());

const TO = '+61404341143';
const dryRun = (body: Record<string, unknown>) => h.app.inject({ method: 'POST', url: '/v1/queue/sms/send', payload: { ...body, dryRun: true } });

/** Nothing stored: no task, no event. */
function expectNothingStored(): void {
  const c = h.gateway.parts.queue.counts('sms');
  expect(Object.values(c).every((n) => n === 0)).toBe(true);
  expect(h.gateway.parts.queue.events.bounds().newest).toBe(0);
}

describe('dry run of a send', () => {
  it.each([
    ['160 GSM characters: one part, none left', 'a'.repeat(160), { encoding: 'gsm7', parts: 1, characters: 160, perPart: 160, charsLeft: 0 }],
    ['161 GSM characters: two parts of 153', 'a'.repeat(161), { encoding: 'gsm7', parts: 2, characters: 161, perPart: 153, charsLeft: 153 - 8 }],
    ['€ and [ count two septets each', `${'€'.repeat(10)}[]`, { encoding: 'gsm7', parts: 1, characters: 24, perPart: 160, charsLeft: 136 }],
    ['80 € fill one part exactly', '€'.repeat(80), { encoding: 'gsm7', parts: 1, characters: 160, perPart: 160, charsLeft: 0 }],
    ['an escape pair is never split across parts', `${'a'.repeat(152)}€${'b'.repeat(10)}`, { encoding: 'gsm7', parts: 2, characters: 164, perPart: 153, charsLeft: 153 - 12 }],
    ['70 UCS-2 characters: one part', 'ж'.repeat(70), { encoding: 'ucs2', parts: 1, characters: 70, perPart: 70, charsLeft: 0 }],
    ['71 UCS-2 characters: two parts of 67', 'ж'.repeat(71), { encoding: 'ucs2', parts: 2, characters: 71, perPart: 67, charsLeft: 63 }],
    ['an emoji counts two units', `hi 😀`, { encoding: 'ucs2', parts: 1, characters: 5, perPart: 70, charsLeft: 65 }],
    ['35 emoji fill one UCS-2 part', '😀'.repeat(35), { encoding: 'ucs2', parts: 1, characters: 70, perPart: 70, charsLeft: 0 }],
  ])('%s', async (_what, msg, shape) => {
    h = await startHttp();
    const res = await dryRun({ to: TO, msg });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ dryRun: true, to: TO, ...shape });
    // The same count as the modem's encoder and as a real send.
    expect(encodeSubmit({ to: TO, text: msg }).length).toBe(shape.parts);
    const real = await h.app.inject({ method: 'POST', url: '/v1/queue/sms/send', payload: { to: TO, msg } });
    expect(real.json()).toMatchObject({ parts: shape.parts });
  });

  it('answers the normalised number and stores nothing: no task, no event, no idempotency key taken', async () => {
    h = await startHttp({ defaultRegion: 'AU' });
    const res = await dryRun({ to: '0404 341 143', msg: 'hello', idempotencyKey: 'k1', priority: 10 });
    expect(res.json()).toMatchObject({ dryRun: true, to: TO, parts: 1 });
    expectNothingStored();
    const real = await h.app.inject({ method: 'POST', url: '/v1/queue/sms/send', payload: { to: TO, msg: 'other text', idempotencyKey: 'k1' } });
    expect(real.statusCode).toBe(201);
  });

  it.each([
    [{ to: 'not a number', msg: 'x' }, 'to'],
    [{ to: '+61491570159abc', msg: 'x' }, 'to'],
    [{ msg: 'x' }, 'to'],
    [{ to: TO, msg: '' }, 'msg'],
    [{ to: TO, msg: 'x'.repeat(1600) }, 'msg'],
    [{ to: TO, msg: 'x', priority: 5000 }, 'priority'],
    [{ to: TO, msg: 'x', validUntil: '2001-01-01T00:00:00Z' }, 'validUntil'],
  ])('refuses %j as a real send does: 400 naming %s, nothing stored', async (body, field) => {
    h = await startHttp();
    const dry = await dryRun(body);
    const real = await h.app.inject({ method: 'POST', url: '/v1/queue/sms/send', payload: body });
    expect(dry.statusCode).toBe(400);
    expect(dry.json()).toMatchObject({ code: 'VALIDATION', field });
    expect(dry.json()).toEqual(real.json());
    expectNothingStored();
  });

  it('is for one message: beside messages it is refused naming dryRun; dryRun false is a real send', async () => {
    h = await startHttp();
    const batch = await h.app.inject({ method: 'POST', url: '/v1/queue/sms/send', payload: { messages: [{ to: TO, msg: 'x' }], dryRun: true } });
    expect(batch.statusCode).toBe(400);
    expect(batch.json()).toMatchObject({ field: 'dryRun' });
    expect((await h.app.inject({ method: 'POST', url: '/v1/queue/sms/send', payload: { to: TO, msg: 'x', dryRun: 'yes' } })).json()).toMatchObject({ field: 'dryRun' });
    expectNothingStored();
    const real = await h.app.inject({ method: 'POST', url: '/v1/queue/sms/send', payload: { to: TO, msg: 'x', dryRun: false } });
    expect(real.statusCode).toBe(201);
    expect(h.gateway.parts.queue.counts('sms').queued).toBe(1);
  });

  it('an unknown queue is 404 as for a real send', async () => {
    h = await startHttp();
    const res = await h.app.inject({ method: 'POST', url: '/v1/queue/nope/send', payload: { to: TO, msg: 'x', dryRun: true } });
    expect(res.statusCode).toBe(404);
  });

  it('draws on the read budget, not on the messages a producer may send', async () => {
    h = await startHttp({ rateLimit: { max: 3, windowMs: 60_000 } });
    for (let i = 0; i < 3; i++) expect((await dryRun({ to: TO, msg: 'x' })).statusCode).toBe(200);
    expect((await dryRun({ to: TO, msg: 'x' })).statusCode).toBe(429);
    for (let i = 0; i < 3; i++) expect((await h.app.inject({ method: 'POST', url: '/v1/queue/sms/send', payload: { to: TO, msg: 'x' } })).statusCode).toBe(201);
  });

  it('textShape agrees with the encoder on the last part of long texts', () => {
    for (const text of ['x'.repeat(459), 'x'.repeat(460), '{'.repeat(200), 'ж'.repeat(201), '😀'.repeat(100)]) {
      const s = textShape(text);
      expect(encodeSubmit({ to: TO, text }).length).toBe(s.parts);
      expect(s.charsLeft).toBeGreaterThanOrEqual(0);
      expect(s.charsLeft).toBeLessThan(s.perPart);
    }
  });
});
