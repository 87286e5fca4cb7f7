import { describe, expect, it, vi } from 'vitest';
import type { PersonalityName } from '../../src/simulator/index.js';
import { rig, sent, startUntil, rigLifecycle } from './session-harness.js';
import type { Rig } from './session-harness.js';

const cases: Array<[PersonalityName, string, string]> = [
  ['generic', 'generic', 'ME'],
  ['simcom-sim800', 'simcom-sim800', 'ME'],
  ['simcom-sim7600', 'simcom-sim7600', 'ME'],
  ['quectel', 'quectel', 'ME'],
  ['huawei', 'huawei', 'ME'],
];

describe('session start-up', () => {
  let r: Rig | undefined;
  rigLifecycle(() => r, () => (r = undefined));

  it.each(cases)('%s: reaches ready with driver %s and storage %s', async (personality, driver, storage) => {
    r = rig({ personality });
    const ready = vi.fn();
    r.session.on('ready', ready);
    await startUntil(r, 'ready');
    expect(r.session.driverName).toBe(driver);
    expect(r.session.receiveStorage).toBe(storage);
    expect(ready).toHaveBeenCalledTimes(1);
    expect(r.sim.settings.echo).toBe(false);
    expect(r.sim.settings.cmgf).toBe(0);
    expect(r.sim.settings.cpms).toEqual([storage, storage, storage]);
    expect(r.sim.settings.cnmi[1]).toBe(1);
    expect(r.states).toEqual(['initialising', 'ready']);
  });
});

describe('session registration and health', () => {
  let r: Rig | undefined;
  rigLifecycle(() => r, () => (r = undefined));

  it('not registered at start, then a +CREG URC makes it ready', async () => {
    r = rig({ network: 'searching' });
    await startUntil(r, 'not-registered');
    await expect(r.session.submit('00', 1, async () => {})).rejects.toMatchObject({ code: 'NOT_REGISTERED', details: { phase: 'prompt' } });
    const before = sent(r, 'AT+CMGS').length;
    r.sim.setNetwork('registered');
    await vi.advanceTimersByTimeAsync(10);
    expect(r.session.state).toBe('ready');
    expect(sent(r, 'AT+CMGS')).toHaveLength(before);
    expect(sent(r, 'AT+CREG=1')).toHaveLength(1);
  });

  it('keeps polling registration while not registered', async () => {
    r = rig({ network: 'searching' }, { registrationPollMs: 15_000 });
    await startUntil(r, 'not-registered');
    // No URC this time: only the poll can notice.
    r.sim.network = 'registered';
    await vi.advanceTimersByTimeAsync(15_100);
    expect(r.session.state).toBe('ready');
  });

  it('samples health at start and every interval with three commands', async () => {
    r = rig({ rssi: 20 }, { healthIntervalMs: 60_000 });
    const samples: unknown[] = [];
    r.session.on('health', (s) => samples.push(s));
    await startUntil(r, 'ready');
    await vi.advanceTimersByTimeAsync(10);
    expect(samples).toHaveLength(1);
    expect(r.session.lastHealth).toMatchObject({ signalDbm: -73, registration: 'home', operator: 'Katar Mobile' });
    const mark = r.sim.commands.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(samples).toHaveLength(2);
    expect(r.sim.commands.slice(mark)).toEqual(['AT+CSQ', 'AT+CREG?', 'AT+COPS?']);
  });

  it('reports unknown signal (+CSQ: 99,99) as no dBm', async () => {
    r = rig({ network: 'searching' });
    await startUntil(r, 'not-registered');
    await vi.advanceTimersByTimeAsync(10);
    expect(r.session.lastHealth?.signalDbm).toBeUndefined();
    expect(r.session.lastHealth?.registration).toBe('searching');
  });

  it('skips a health cycle while a submit is running', async () => {
    r = rig({ sendLatencyMs: 5_000 }, { healthIntervalMs: 60_000 });
    await startUntil(r, 'ready');
    await vi.advanceTimersByTimeAsync(59_000);
    const mark = r.sim.commands.length;
    const submit = r.session.submit('0011000B911326880736F40000A70141', 15, async () => {});
    await vi.advanceTimersByTimeAsync(1_500);
    // The health timer fired meanwhile but sent nothing behind the CMGS.
    expect(r.sim.commands.slice(mark)).toEqual(['AT+CMGS=15']);
    await vi.advanceTimersByTimeAsync(5_000);
    await expect(submit).resolves.toMatchObject({ mr: 0 });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(r.sim.commands.slice(mark + 1)).toEqual(['AT+CSQ', 'AT+CREG?', 'AT+COPS?']);
  });
});
