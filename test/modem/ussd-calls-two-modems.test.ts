import { afterEach, describe, expect, it } from 'vitest';
import { ringModem } from '../../src/simulator/behaviours/calls.js';
import { setUssdAnswers } from '../../src/simulator/behaviours/ussd.js';
import { startModems, type MultiModemHarness } from '../worker/multi-modem-harness.js';
import { until } from '../helpers/modem-harness.js';

let h: MultiModemHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('two modems in one gateway: USSD during a drain, a call during a receive', () => {
  it('sends every SMS once across both modems while one answers a USSD and the other rejects a call and receives an SMS', async () => {
    h = await startModems({ modems: [{ name: 'modem0', path: 'sim' }, { name: 'modem1', path: 'sim' }] }, { sendLatencyMs: 30 });
    const sim0 = h.sims.get('modem0')!;
    const sim1 = h.sims.get('modem1')!;
    setUssdAnswers(sim0, {}, 150);
    await until(() => sim1.commands.includes('AT+CLIP=1'), 5000, 'caller id on modem1');
    const received: string[] = [];
    h.queue.on('sms', (m) => received.push(m.msg));
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await h.send({ to: '+61404341143', msg: `two ${i}` }));
    await until(() => sim0.sent.length + sim1.sent.length >= 2, 5000, 'drain started');
    const call = ringModem(sim1, '+61400000007', { everyMs: 100 });
    sim1.injectIncoming({ from: '+61404341143', text: 'while ringing' });
    const answer = await h.parts.controls.get('modem0').ussd('*100#');
    expect(answer).toMatchObject({ status: 0, text: 'Balance: 12.34 EUR. Valid until 2027-01-31' });
    for (const id of ids) expect((await h.finished(id)).status).toBe('done');
    const texts = h.sentBy().map(([, text]) => text).sort();
    expect(texts).toEqual(ids.map((_, i) => `two ${i}`).sort());
    await until(() => received.length === 1 && call.endedBy !== undefined, 5000, 'SMS received and call ended');
    expect(received).toEqual(['while ringing']);
    expect(call.endedBy).toBe('AT+CHUP');
    const events = (await h.queue.events.read(0, { limit: 1000 })).events.filter((e) => e.type === 'call.incoming');
    expect(events.map((e) => e.data)).toEqual([{ modem: 'modem1', from: '+61400000007', rejected: true }]);
  });
});
