/**
 * SIM handling at start-up (docs/hardware.md#sim-and-pin): ask `AT+CPIN?`, enter the configured PIN at
 * most once per process, wait out "SIM busy" with backoff for about 30 s. A refused PIN is
 * never entered again: three refusals block the card (PUK), which needs a person.
 */
import { isKatarError } from '../../errors.js';
import type { SendOptions } from '../at/engine.js';
import { Backoff } from '../backoff.js';
import type { ModemDriver } from '../driver.js';
import { simConditionFromError, simConditionFromLines } from '../sim-status.js';
import type { SimCondition } from '../sim-status.js';
import type { Commands, PhaseTools } from './traits.js';
import type { ModemState } from './types.js';

/**
 * The configured PIN and whether the card has refused it: once refused, it is never
 * entered again in this process (the next refusals would block the card).
 */
export class SimPin {
  private refusedOnce = false;

  constructor(readonly pin: string | undefined) {}

  /** True once the PIN has been refused in this process. */
  refused(): boolean {
    return this.refusedOnce;
  }

  /** Remembers a refusal for the life of the process. */
  markRefused(): void {
    this.refusedOnce = true;
  }
}

/** A SIM that keeps the session from initialising further. */
export interface SimBlocked {
  kind: 'blocked';
  state: ModemState;
  detail: string;
}

/** How long "SIM busy" (CME 14 / 515, NOT READY) is waited out before giving up for now. */
export const SIM_BUSY_BUDGET_MS = 30_000;

/** Reads the SIM's condition; a plain ERROR means "no SIM" (smstools3 FAQ table). */
export async function readSim(phase: Pick<Commands, 'cmd'>, driver: ModemDriver): Promise<SimCondition> {
  try {
    const opts: SendOptions = driver.quirks.cpinWithoutOk ? { finalOnPrefix: '+CPIN' } : {};
    return simConditionFromLines((await phase.cmd('AT+CPIN?', opts)).lines);
  } catch (err) {
    const cond = simConditionFromError(err);
    if (cond) return cond;
    if (isKatarError(err, 'MODEM_ERROR') && err.details?.reason === undefined) return 'absent';
    throw err;
  }
}

/** The state a non-ready condition puts the session in. */
export function blockedState(cond: SimCondition, pin: SimPin): SimBlocked | undefined {
  const b = (state: ModemState, detail: string): SimBlocked => ({ kind: 'blocked', state, detail });
  switch (cond) {
    case 'ready':
    case 'busy':
      return undefined;
    case 'pin':
      if (pin.refused()) return b('sim-wrong-pin', 'the configured PIN was refused; not retried');
      return pin.pin === undefined ? b('sim-pin-required', 'the SIM wants a PIN and none is configured') : undefined;
    case 'puk':
      return b('sim-puk-required', 'the SIM is blocked (PUK)');
    case 'absent':
      return b('no-sim', 'no SIM inserted');
    case 'failure':
      return b('sim-failure', 'SIM failure (+CME ERROR 13/15)');
    case 'other-lock':
      return b('sim-pin-required', 'the SIM or modem wants a code other than the SIM PIN');
  }
}

/** Runs until the SIM is ready (`{kind: 'ready'}`) or blocked. */
export async function checkSim(phase: PhaseTools, pin: SimPin, driver: ModemDriver): Promise<{ kind: 'ready' } | SimBlocked> {
  let waited = 0;
  const delays = new Backoff(500, 8_000);
  let entered = false;
  for (;;) {
    const cond = await readSim(phase, driver);
    if (cond === 'ready') return { kind: 'ready' };
    const blocked = blockedState(cond, pin);
    if (blocked) return blocked;
    // After an accepted PIN some cards still say SIM PIN for a moment: wait, never re-enter.
    if (cond === 'pin' && !entered) {
      entered = true;
      if (!(await enterPin(phase, pin, driver))) return { kind: 'blocked', state: 'sim-wrong-pin', detail: 'the configured PIN was refused; not retried' };
    }
    if (waited >= SIM_BUSY_BUDGET_MS) return { kind: 'blocked', state: 'sim-failure', detail: `SIM still busy after ${waited / 1000} s` };
    const delay = delays.next();
    await phase.sleep(delay);
    waited += delay;
  }
}

/**
 * Enters the PIN once. False when refused: then it is never entered again in this process.
 * "SIM busy" means the PIN was not looked at, so it does not count as a refusal; no answer
 * at all does, since the card may have counted it.
 */
async function enterPin(phase: PhaseTools, pin: SimPin, driver: ModemDriver): Promise<boolean> {
  try {
    await phase.cmd(`AT+CPIN="${pin.pin ?? ''}"`, { timeoutMs: 20_000 });
  } catch (err) {
    if (simConditionFromError(err) === 'busy') return true;
    if (isKatarError(err, 'MODEM_CLOSED')) throw err;
    pin.markRefused();
    phase.log.error({ code: isKatarError(err) ? err.code : undefined, errorCode: isKatarError(err) ? err.details?.errorCode : undefined }, 'SIM PIN refused; it will not be entered again');
    return false;
  }
  phase.log.info({}, 'SIM PIN accepted');
  if (driver.quirks.afterPinDelayMs) await phase.sleep(driver.quirks.afterPinDelayMs);
  return true;
}
