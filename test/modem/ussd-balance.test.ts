import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { DEFAULT_BALANCE_PATTERN, balanceSchedule, readModemExtras } from '../../src/config/modem-extras.js';
import { createLogger } from '../../src/log.js';
import { setUssdAnswers } from '../../src/simulator/behaviours/ussd.js';
import { UssdClient } from '../../src/modem/ussd.js';
import { BalanceChecker, balanceAmount } from '../../src/worker/balance-check.js';
import { startModemServices } from '../../src/worker/modem-services.js';
import { startModemHarness, until, type ModemHarness } from '../helpers/modem-harness.js';

let h: ModemHarness;
afterEach(async () => h?.close());

const logger = createLogger('silent');
const modemConfig = (extra: Record<string, unknown>) => parseConfig({ modems: [{ path: 'sim', ...extra }] }).modems[0]!;

describe('balance config', () => {
  it('reads code, every (a duration or a cron expression) and pattern, with defaults', () => {
    const m = modemConfig({ balance: { code: '*100#', every: '6h', pattern: 'Balance: (\\d+\\.\\d+)' }, calls: { reject: false } });
    expect(m.balance).toEqual({ code: '*100#', every: '6h', pattern: 'Balance: (\\d+\\.\\d+)' });
    expect(balanceSchedule('6h')).toEqual({ everyMs: 6 * 3_600_000 });
    expect(balanceSchedule('0 */6 * * *')).toEqual({ cron: '0 */6 * * *' });
    expect(m.calls).toEqual({ reject: false });
    expect(modemConfig({ balance: { code: '*101#', every: '0 */6 * * *' } }).balance).toMatchObject({ every: '0 */6 * * *' });
    expect(modemConfig({ balance: { code: '*100#' } }).balance).toEqual({ code: '*100#', every: '6h', pattern: DEFAULT_BALANCE_PATTERN });
    // A parsed config parses again unchanged (serve lays its flags over a parsed file).
    const parsed = parseConfig({ modems: [{ path: 'sim', balance: { code: '*100#', every: '1h', pattern: '(\\d+)' }, calls: { reject: false } }] });
    expect(readModemExtras(JSON.parse(JSON.stringify(parsed.modems[0])) as Record<string, unknown>, 'modems[0]')).toEqual({ balance: parsed.modems[0]!.balance, calls: { reject: false } });
    expect(modemConfig({}).balance).toBeUndefined();
    expect(modemConfig({}).calls).toBeUndefined();
  });

  it('refuses bad values naming the key', () => {
    expect(() => modemConfig({ balance: { code: 'abc' } })).toThrow(/modems\[0\]\.balance\.code must be a USSD code/);
    expect(() => modemConfig({ balance: { code: '*100#', every: 'often' } })).toThrow(/modems\[0\]\.balance\.every must be a duration such as "6h"/);
    expect(() => modemConfig({ balance: { code: '*100#', every: '1s' } })).toThrow(/balance\.every must be at least 10s/);
    expect(() => modemConfig({ balance: { code: '*100#', pattern: 'Balance: \\d+' } })).toThrow(/balance\.pattern must have a capture group/);
    expect(() => modemConfig({ balance: { code: '*100#', pattern: '(' } })).toThrow(/balance\.pattern is not a valid regular expression/);
    expect(() => modemConfig({ balance: { code: '*100#', often: true } })).toThrow(/balance\.often is not a known option/);
    expect(() => modemConfig({ calls: { reject: 'yes' } })).toThrow(/calls\.reject must be true or false/);
  });

  it('reads the amount with either decimal mark', () => {
    const p = /(\d[\d.,]*\d|\d)/;
    expect(balanceAmount('Balance: 12.34 EUR', p)).toBe(12.34);
    expect(balanceAmount('Ihr Guthaben: 12,34 EUR', p)).toBe(12.34);
    expect(balanceAmount('Saldo 1.234,56', p)).toBe(1234.56);
    expect(balanceAmount('Balance 1,234.56', p)).toBe(1234.56);
    expect(balanceAmount('no number', p)).toBeUndefined();
  });
});

describe('periodic balance check', () => {
  it('reads the balance through USSD, keeps it for the metric and appends modem.balance', async () => {
    h = await startModemHarness();
    await h.session.whenReady();
    setUssdAnswers(h.sim, {}, 20);
    const { controls, queue } = h.gateway.parts;
    const checker = new BalanceChecker({ modem: 'sim0', settings: modemConfig({ balance: { code: '*100#', pattern: 'Balance: (\\d+\\.\\d+)' } }).balance!, ussd: servicesUssd(h), controls, events: queue.events, logger });
    const b = await checker.check();
    expect(b).toMatchObject({ text: 'Balance: 12.34 EUR. Valid until 2027-01-31', amount: 12.34 });
    expect(controls.balances()).toEqual([['sim0', b]]);
    const events = (await queue.events.read(0, { limit: 100 })).events.filter((e) => e.type === 'modem.balance');
    expect(events.map((e) => e.data)).toEqual([{ modem: 'sim0', text: 'Balance: 12.34 EUR. Valid until 2027-01-31', amount: 12.34 }]);
  });

  it('skips while a USSD session is open or the modem is not ready', async () => {
    h = await startModemHarness();
    await h.session.whenReady();
    setUssdAnswers(h.sim, {}, 20);
    const ussd = servicesUssd(h);
    const checker = new BalanceChecker({ modem: 'sim0', settings: modemConfig({ balance: { code: '*100#' } }).balance!, ussd, logger });
    await ussd.request('*123#');
    const before = h.sim.commands.length;
    expect(await checker.check()).toBeUndefined();
    expect(h.sim.commands.length).toBe(before);
    await ussd.cancel();
    h.sim.setNetwork('none');
    await until(() => h.session.state === 'not-registered', 5000, 'not-registered');
    expect(await checker.check()).toBeUndefined();
  });

  it('runs on its own once the modem is ready, then every interval', async () => {
    h = await startModemHarness();
    await h.session.whenReady();
    setUssdAnswers(h.sim, {}, 5);
    const parts = { queue: h.gateway.parts.queue, controls: h.gateway.parts.controls };
    // A second set of services on the same session, with a short schedule (the harness's own has no balance check).
    const services = startModemServices({ name: 'extra', session: h.session, parts, balance: { ...modemConfig({ balance: { code: '*100#' } }).balance!, every: '1s' }, logger, firstBalanceDelayMs: 10 });
    try {
      h.session.emit('ready', h.session.identity!, 'generic');
      await until(async () => (await parts.queue.events.read(0, { limit: 100 })).events.filter((e) => e.type === 'modem.balance').length >= 2, 5000, 'two balance events');
      expect(parts.controls.balances().find(([n]) => n === 'extra')?.[1].amount).toBe(12.34);
    } finally {
      await services.stop();
    }
  });
});

/** A USSD client of its own on the harness's session (the worker's is private to it). */
function servicesUssd(h: ModemHarness): UssdClient {
  return new UssdClient(h.session, logger);
}
