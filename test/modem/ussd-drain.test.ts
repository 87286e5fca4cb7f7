import { afterEach, describe, expect, it } from 'vitest';
import { setUssdAnswers } from '../../src/simulator/behaviours/ussd.js';
import { startModemHarness, until, type ModemHarness } from '../helpers/modem-harness.js';

let h: ModemHarness;
afterEach(async () => h?.close());

describe('USSD during a drain', () => {
  it('answers the USSD while SMS are being sent; every SMS is sent once and no submit is cut into', async () => {
    h = await startModemHarness({ sim: { sendLatencyMs: 40, promptLatencyMs: 5 } });
    await h.session.whenReady();
    setUssdAnswers(h.sim, {}, 150);
    // Between AT+CMGS and its +CMGS answer the modem takes no command line: none may arrive then.
    let inSubmit = false;
    const intoSubmit: string[] = [];
    h.sim.on('command', (line: string) => {
      if (inSubmit) intoSubmit.push(line);
      if (line.startsWith('AT+CMGS=')) inSubmit = true;
    });
    h.sim.on('sms-sent', () => (inSubmit = false));
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push(await h.gateway.send({ to: '+61404341143', msg: `drain ${i}` }));
    await until(() => h.sim.sent.length >= 2, 5000, 'drain started');
    const answer = await h.gateway.parts.controls.get('sim0').ussd('*100#');
    expect(answer.text).toMatch(/^Balance: 12\.34 EUR/);
    // Sends went on while the network was answering.
    const sentDuringUssd = h.sim.sent.length;
    expect(sentDuringUssd).toBeGreaterThan(2);
    for (const id of ids) expect(await h.finished(id)).toBe('done');
    const texts = h.sim.sentMessages().map((m) => m.text).sort();
    expect(texts).toEqual(ids.map((_, i) => `drain ${i}`).sort());
    expect(intoSubmit).toEqual([]);
  });
});
