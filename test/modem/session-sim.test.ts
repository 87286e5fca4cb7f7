import { describe, expect, it, vi } from 'vitest';
import { rig, sent, startUntil, until, rigLifecycle } from './session-harness.js';
import type { Rig } from './session-harness.js';

describe('session SIM handling', () => {
  let r: Rig | undefined;
  rigLifecycle(() => r, () => (r = undefined));

  it('enters the configured PIN once, waits out SIM busy, then is ready', async () => {
    r = rig({ pin: '1234', simBusyMs: 8_000 }, { pin: '1234' });
    await startUntil(r, 'ready');
    expect(sent(r, 'AT+CPIN="')).toEqual(['AT+CPIN="1234"']);
    // SIM busy was answered with +CME ERROR: 14 and polled again.
    expect(sent(r, 'AT+CPIN?').length).toBeGreaterThan(2);
    expect(r.states).not.toContain('sim-failure');
  });

  it.each(['simcom-sim800', 'huawei', 'quectel'] as const)('%s: PIN then ready, PIN entered once', async (personality) => {
    r = rig({ personality, pin: '1234', simBusyMs: 2_000 }, { pin: '1234' });
    await startUntil(r, 'ready');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(r.session.state).toBe('ready');
    expect(sent(r, 'AT+CPIN="')).toHaveLength(1);
  });

  it('no PIN configured: sim-pin-required, never sends a PIN', async () => {
    r = rig({ pin: '1234' });
    await startUntil(r, 'sim-pin-required');
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(sent(r, 'AT+CPIN="')).toHaveLength(0);
    await expect(r.session.submit('00', 1, async () => {})).rejects.toMatchObject({ code: 'MODEM_BUSY', details: { phase: 'prompt' } });
    await expect(r.session.list()).rejects.toMatchObject({ code: 'MODEM_BUSY' });
  });

  it('wrong PIN: sim-wrong-pin, the PIN is sent exactly once, even after minutes and a reboot', async () => {
    r = rig({ pin: '1234' }, { pin: '9999', simRecheckMs: 60_000 });
    await startUntil(r, 'sim-wrong-pin');
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    r.sim.reboot();
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(r.session.state).toBe('sim-wrong-pin');
    expect(sent(r, 'AT+CPIN="')).toEqual(['AT+CPIN="9999"']);
    expect(r.sim.simCard.pinFailures).toBe(1);
    // Re-checked read-only in the meantime.
    expect(sent(r, 'AT+CPIN?').length).toBeGreaterThan(10);
  });

  it('PUK: sim-puk-required without entering anything', async () => {
    r = rig({ pin: '1234' }, { pin: '1234' });
    r.sim.simCard.pukRequired = true;
    await startUntil(r, 'sim-puk-required');
    expect(sent(r, 'AT+CPIN="')).toHaveLength(0);
  });

  it('no SIM: no-sim, and ready once a SIM is inserted (slow re-check)', async () => {
    r = rig({}, { simRecheckMs: 180_000 });
    r.sim.setSimFault('absent');
    await startUntil(r, 'no-sim');
    r.sim.setSimFault('none');
    await vi.advanceTimersByTimeAsync(170_000);
    expect(r.session.state).toBe('no-sim');
    await until(() => r?.session.state === 'ready', 20_000);
  });

  it('SIM failure (+CME ERROR: 13): sim-failure', async () => {
    r = rig();
    r.sim.setSimFault('failure');
    await startUntil(r, 'sim-failure');
  });

  it('SIM busy for longer than ~30 s: reported, then ready on a later re-check', async () => {
    r = rig({ pin: '1234', simBusyMs: 120_000 }, { pin: '1234', simRecheckMs: 60_000 });
    await startUntil(r, 'sim-failure', 60_000);
    await until(() => r?.session.state === 'ready', 200_000);
    expect(sent(r, 'AT+CPIN="')).toHaveLength(1);
  });
});
