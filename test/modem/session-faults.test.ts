import { describe, expect, it, vi } from 'vitest';
import type { PersonalityName } from '../../src/simulator/index.js';
import { rig, sent, startUntil, until, rigLifecycle } from './session-harness.js';
import type { Rig } from './session-harness.js';

const personalities: PersonalityName[] = ['generic', 'simcom-sim800', 'simcom-sim7600', 'quectel', 'huawei'];

describe('session faults', () => {
  let r: Rig | undefined;
  rigLifecycle(() => r, () => (r = undefined));

  it.each(personalities)('%s: reboot mid-session -> re-initialised -> ready, settings restored', async (personality) => {
    r = rig({ personality });
    const ready = vi.fn();
    r.session.on('ready', ready);
    await startUntil(r, 'ready');
    const inits = sent(r, 'AT+CNMI=').length;
    r.sim.reboot();
    expect(r.sim.settings.echo).toBe(true);
    await until(() => sent(r as Rig, 'AT+CNMI=').length > inits && r?.session.state === 'ready', 30_000);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(r.session.state).toBe('ready');
    expect(ready.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(r.sim.settings.echo).toBe(false);
    expect(r.sim.settings.cmgf).toBe(0);
    expect(r.sim.settings.cnmi[1]).toBe(1);
    expect(r.states).toContain('initialising');
  });

  it('reboot with a PIN: the known-good PIN is entered again', async () => {
    r = rig({ pin: '1234' }, { pin: '1234' });
    await startUntil(r, 'ready');
    r.sim.reboot();
    await until(() => sent(r as Rig, 'AT+CPIN="').length === 2 && r?.session.state === 'ready', 30_000);
  });

  it('unplug -> disconnected -> replug -> ready again, reopening with backoff', async () => {
    r = rig({}, { reconnect: { initialDelayMs: 1_000, maxDelayMs: 60_000 } });
    await startUntil(r, 'ready');
    r.sim.unplug();
    await vi.advanceTimersByTimeAsync(10);
    expect(r.session.state).toBe('disconnected');
    await expect(r.session.submit('00', 1, async () => {})).rejects.toMatchObject({ code: 'MODEM_BUSY' });
    const opens = r.opens;
    // 1 + 2 + 4 + 8 s of backoff: four failed opens in 15 s, not a busy loop.
    await vi.advanceTimersByTimeAsync(15_500);
    expect(r.opens - opens).toBe(4);
    r.sim.replug();
    await until(() => r?.session.state === 'ready', 60_000);
    expect(r.states.slice(-2)).toEqual(['initialising', 'ready']);
  });

  it('the backoff is capped at maxDelayMs', async () => {
    r = rig({}, { reconnect: { initialDelayMs: 1_000, maxDelayMs: 4_000 } });
    await startUntil(r, 'ready');
    r.sim.unplug();
    await vi.advanceTimersByTimeAsync(7_010);
    const opens = r.opens;
    await vi.advanceTimersByTimeAsync(40_000);
    expect(r.opens - opens).toBe(10);
  });

  it('silent modem -> disconnected -> recovers once it answers again', async () => {
    r = rig({}, { healthIntervalMs: 60_000 });
    await startUntil(r, 'ready');
    r.sim.setSilent(true);
    await until(() => r?.session.state === 'disconnected', 120_000);
    const opens = r.opens;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(r.opens).toBeGreaterThan(opens);
    expect(r.session.state).not.toBe('ready');
    r.sim.setSilent(false);
    await until(() => r?.session.state === 'ready', 120_000);
  });

  it('a modem silent from the start is disconnected, not stuck', async () => {
    r = rig();
    r.sim.setSilent(true);
    const started = r.session.start();
    await until(() => r?.session.state === 'disconnected', 60_000);
    await started;
    r.sim.setSilent(false);
    await until(() => r?.session.state === 'ready', 120_000);
  });

  it('port open failure at start counts as a failed attempt', async () => {
    r = rig();
    r.sim.unplug();
    const started = r.session.start();
    await until(() => r?.session.state === 'disconnected', 1_000);
    await started;
    r.sim.replug();
    await until(() => r?.session.state === 'ready', 10_000);
  });

  it('garbage on the line is ignored', async () => {
    r = rig();
    await startUntil(r, 'ready');
    r.sim.injectGarbage();
    await vi.advanceTimersByTimeAsync(100);
    expect(r.session.state).toBe('ready');
    await expect(r.session.list()).resolves.toEqual([]);
  });

  it('close() ends everything: state closed, port closed, no more reconnects', async () => {
    r = rig();
    await startUntil(r, 'ready');
    const pending = r.session.whenReady();
    await r.session.close();
    await expect(pending).resolves.toBeUndefined();
    expect(r.session.state).toBe('closed');
    const opens = r.opens;
    await vi.advanceTimersByTimeAsync(120_000);
    expect(r.opens).toBe(opens);
    await expect(r.session.whenReady()).rejects.toMatchObject({ code: 'MODEM_CLOSED' });
  });
});
