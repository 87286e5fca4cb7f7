import { afterEach, describe, expect, it } from 'vitest';
import { isKatarError } from '../../src/errors.js';
import { setUssdAnswers, ussdState } from '../../src/simulator/behaviours/ussd.js';
import { startModemHarness, until, type ModemHarness } from '../helpers/modem-harness.js';

let h: ModemHarness;
afterEach(async () => h?.close());

async function ready(opts: Parameters<typeof startModemHarness>[0] = {}): Promise<ModemHarness> {
  h = await startModemHarness(opts);
  await h.session.whenReady();
  setUssdAnswers(h.sim, {}, 20);
  return h;
}

const control = (h: ModemHarness) => h.gateway.parts.controls.get('sim0');

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isKatarError(err)) return err.code;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('USSD through the modem session', () => {
  it('answers a balance code with the network text and the status in words', async () => {
    await ready();
    const r = await control(h).ussd('*100#');
    expect(r).toEqual({ status: 0, statusText: 'no further action required', text: 'Balance: 12.34 EUR. Valid until 2027-01-31', session: 'closed', dcs: 15 });
    expect(h.sim.commands).toContain('AT+CUSD=1,"*100#",15');
    // The character set is fixed first, so a GSM 7-bit answer never comes back as UCS-2 hex.
    expect(h.sim.commands).toContain('AT+CSCS="GSM"');
  });

  it('walks a menu: open, reply, reply again until the network closes it', async () => {
    await ready();
    const menu = await control(h).ussd('*123#');
    expect(menu).toMatchObject({ status: 1, statusText: 'further user action required (menu)', text: 'Main menu\n1 Balance\n2 Data', session: 'open' });
    const data = await control(h).ussdReply('2');
    expect(data).toMatchObject({ status: 1, text: 'Data\n1 Remaining\n2 Buy 1 GB', session: 'open' });
    const left = await control(h).ussdReply('1');
    expect(left).toMatchObject({ status: 0, text: 'Data left: 1.5 GB', session: 'closed' });
    expect(await refusal(control(h).ussdReply('1'))).toBe('USSD_NO_SESSION');
  });

  it('refuses a second code while a menu is open (USSD_BUSY) until it is cancelled with AT+CUSD=2', async () => {
    await ready();
    await control(h).ussd('*123#');
    expect(await refusal(control(h).ussd('*100#'))).toBe('USSD_BUSY');
    expect(await control(h).ussdCancel()).toEqual({ cancelled: true });
    expect(h.sim.commands).toContain('AT+CUSD=2');
    expect(ussdState(h.sim).open).toBeUndefined();
    expect((await control(h).ussd('*100#')).text).toMatch(/^Balance: 12\.34 EUR/);
  });

  it('refuses a code while another request waits for its answer', async () => {
    await ready();
    setUssdAnswers(h.sim, {}, 300);
    const first = control(h).ussd('*100#');
    await until(() => h.sim.commands.includes('AT+CUSD=1,"*100#",15'), 5000, 'first request sent');
    expect(await refusal(control(h).ussd('*100#'))).toBe('USSD_BUSY');
    expect((await first).status).toBe(0);
  });

  it('decodes a UCS-2 answer (DCS 72)', async () => {
    await ready();
    expect(await control(h).ussd('*101#')).toMatchObject({ status: 0, text: 'Баланс: 12,34 ₽', dcs: 72 });
  });

  it('times out cleanly when the network never answers, cancelling the session on the modem', async () => {
    await ready();
    const started = Date.now();
    const err = await control(h).ussd('*999#', { timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(isKatarError(err, 'USSD_TIMEOUT')).toBe(true);
    expect((err as Error).message).toMatch(/did not answer \*999# within 1 s .*cancelled/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    await until(() => h.sim.commands.includes('AT+CUSD=2'), 5000, 'AT+CUSD=2');
    // The modem stays usable: the next code is answered.
    expect((await control(h).ussd('*100#')).status).toBe(0);
  });

  it('recovers from a menu the modem still holds (left by an earlier run): cancel, then send again', async () => {
    await ready();
    ussdState(h.sim).open = { text: 'stale', menu: {} };
    expect((await control(h).ussd('*100#')).status).toBe(0);
    const cusd = h.sim.commands.filter((c) => c.startsWith('AT+CUSD'));
    expect(cusd).toEqual(['AT+CUSD=1,"*100#",15', 'AT+CUSD=2', 'AT+CUSD=1,"*100#",15']);
  });

  it('speaks packed GSM 7-bit hex to a Huawei stick, both ways', async () => {
    await ready({ sim: { personality: 'huawei', periodicUrcs: false } });
    expect(await control(h).ussd('*100#')).toMatchObject({ status: 0, text: 'Balance: 12.34 EUR. Valid until 2027-01-31' });
    expect(h.sim.commands).toContain('AT+CUSD=1,"AA180C3602",15');
    expect((await control(h).ussd('*123#')).text).toBe('Main menu\n1 Balance\n2 Data');
    expect((await control(h).ussdReply('1')).text).toBe('Balance: 12.34 EUR');
  });

  it('answers MODEM_NOT_READY when the modem has no network', async () => {
    await ready();
    h.sim.setNetwork('none');
    await until(() => h.session.state === 'not-registered', 5000, 'not-registered');
    expect(await refusal(control(h).ussd('*100#'))).toBe('MODEM_NOT_READY');
  });

  it('validates the code before anything reaches the modem', async () => {
    await ready();
    expect(await refusal(control(h).ussd('*100#"; AT+CFUN=0'))).toBe('VALIDATION');
    expect(h.sim.commands.some((c) => c.includes('CFUN=0'))).toBe(false);
    expect(() => h.gateway.parts.controls.get('nope')).toThrow(/no built-in modem named "nope" \(modems: sim0\)/);
  });
});
