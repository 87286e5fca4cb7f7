/**
 * The two background loops of an initialised (or SIM-blocked) session: health sampling,
 * and the slow, read-only SIM re-check. Both end when their phase signal aborts.
 */
import { Cancelled, sleep } from './backoff.js';
import type { ModemDriver } from './driver.js';
import { sampleHealth } from './session-health.js';
import type { HealthHost, HealthResult } from './session-health.js';
import { blockedState, readSim } from './session-sim.js';
import type { SessionLogger, SimHost } from './session-sim.js';
import type { ModemState } from './session-types.js';

/** What the health loop needs. */
export interface HealthLoopHost extends HealthHost {
  readonly log: SessionLogger;
  /** Answers AT+CEREG (LTE). */
  lte(): boolean;
  /** A submit is running or ended less than a second ago: stay off the modem. */
  submitBusy(): boolean;
  /** Delay until the next sample (shorter while unregistered). */
  nextDelayMs(): number;
  onSample(result: HealthResult): void;
}

/** Samples now, then every `nextDelayMs()`; retries a second later while a submit runs. */
export async function runHealthLoop(host: HealthLoopHost, signal: AbortSignal): Promise<void> {
  let wait = 0;
  try {
    for (;;) {
      if (wait > 0) await sleep(wait, signal);
      if (host.submitBusy()) {
        wait = 1_000;
        continue;
      }
      host.onSample(await sampleHealth(host, host.lte()));
      wait = host.nextDelayMs();
    }
  } catch (err) {
    if (!(err instanceof Cancelled) && !signal.aborted) host.log.warn({ err }, 'health polling stopped');
  }
}

/** What the SIM re-check needs. */
export interface SimRecheckHost {
  readonly sim: SimHost;
  readonly everyMs: number;
  driver(): ModemDriver;
  state(): ModemState;
  setState(state: ModemState, detail: string): void;
  requestInit(reason: string): void;
}

/**
 * While the SIM blocks: `AT+CPIN?` every `everyMs`, never entering a PIN itself. When the
 * SIM becomes usable (ready, or wanting a PIN that was never refused) a full init runs.
 */
export async function runSimRecheck(host: SimRecheckHost, signal: AbortSignal): Promise<void> {
  try {
    for (;;) {
      await sleep(host.everyMs, signal);
      const cond = await readSim(host.sim, host.driver());
      const blocked = blockedState(cond, host.sim);
      if (blocked === undefined && cond !== 'busy') return host.requestInit(`SIM is now ${cond}`);
      if (blocked && blocked.state !== host.state()) host.setState(blocked.state, blocked.detail);
    }
  } catch (err) {
    if (!(err instanceof Cancelled) && !signal.aborted) host.sim.log.warn({ err }, 'SIM re-check stopped');
  }
}
