/**
 * The two background loops of an initialised (or SIM-blocked) session: health sampling,
 * and the slow, read-only SIM re-check. Both end when their phase signal aborts.
 */
import { Cancelled } from '../backoff.js';
import type { ModemDriver } from '../driver.js';
import { sampleHealth } from './health.js';
import { blockedState, readSim } from './sim.js';
import type { SimPin } from './sim.js';
import type { SessionState } from './state.js';
import type { InitRequests, PhaseTools } from './traits.js';

/** How often health is sampled. */
export interface HealthTiming {
  /** Period while registered. */
  everyMs: number;
  /** Shorter period while not registered (the registration poll). */
  unregisteredMs: number;
}

/**
 * Samples now, then every `timing.everyMs` (sooner while unregistered); retries a second
 * later while a submit runs. A SIM error in a sample asks for a re-init.
 */
export async function runHealthLoop(phase: PhaseTools, status: SessionState, timing: HealthTiming, init: InitRequests): Promise<void> {
  let wait = 0;
  try {
    for (;;) {
      if (wait > 0) await phase.sleep(wait);
      if (status.submitBusy()) {
        wait = 1_000;
        continue;
      }
      const result = await sampleHealth(phase, status.lte);
      status.sampled(result);
      if (result.simLost) init.requestInit('SIM error during health check');
      wait = status.current === 'not-registered' ? Math.min(timing.everyMs, timing.unregisteredMs) : timing.everyMs;
    }
  } catch (err) {
    if (!(err instanceof Cancelled) && !phase.signal.aborted) phase.log.warn({ err }, 'health polling stopped');
  }
}

/**
 * While the SIM blocks: `AT+CPIN?` every `everyMs`, never entering a PIN itself. When the
 * SIM becomes usable (ready, or wanting a PIN that was never refused) a full init runs.
 */
export async function runSimRecheck(phase: PhaseTools, status: SessionState, sim: { pin: SimPin; driver: ModemDriver; everyMs: number }, init: InitRequests): Promise<void> {
  try {
    for (;;) {
      await phase.sleep(sim.everyMs);
      const cond = await readSim(phase, sim.driver);
      const blocked = blockedState(cond, sim.pin);
      if (blocked === undefined && cond !== 'busy') return init.requestInit(`SIM is now ${cond}`);
      if (blocked && blocked.state !== status.current) status.set(blocked.state, blocked.detail);
    }
  } catch (err) {
    if (!(err instanceof Cancelled) && !phase.signal.aborted) phase.log.warn({ err }, 'SIM re-check stopped');
  }
}
