import { EventEmitter } from 'node:events';
import { isSimState } from '../modem/session/state.js';
import type { ModemState } from '../modem/session/types.js';

/** Health of one modem, as its built-in worker reports it. */
export interface ModemHealth {
  name: string;
  state: string;
  signalDbm?: number;
  registration?: string;
  operator?: string;
  model?: string;
  lastError?: string;
  /** While pacing holds the modem: why (`limit`: a cap is reached, `window`: outside its sending hours)... */
  pauseReason?: 'limit' | 'window';
  /** ...until when (ISO 8601)... */
  pausedUntil?: string;
  /** ...and which cap or window, in words. */
  pauseDetail?: string;
  /** The healing step in progress (reopen, reboot, usb-rebind, failed) while the modem does not answer. */
  recovery?: string;
  /** Set on the one report that announces another SIM in the modem: tails of the old and new ICCID. */
  previousIccid?: string;
  iccid?: string;
  updatedAt: string;
}

/** A modem as the dashboard shows it: its latest health and what the board remembers of its past. */
export interface ModemStatus extends ModemHealth {
  /**
   * When the modem became ready, or stopped being ready (ISO 8601): kept through the states
   * it passes while not ready (reconnect attempts, a SIM problem), so it tells since when
   * it cannot send.
   */
  since: string;
  /** 0 (none or unknown) to 4, from `signalDbm` (signalBars); 0 while the figures are not current. */
  signalBars: number;
  /** The SIM as the modem's state tells it: `ready` once initialised, a SIM problem (`sim-pin-required`...), or absent while unknown. */
  simState?: string;
  /** The latest error, kept after the modem recovered, and when it was reported. */
  lastError?: string;
  lastErrorAt?: string;
}

/**
 * Bars 0-4 from dBm, on the thresholds of the usual +CSQ scale (CSQ 2/10/15/20, as
 * phones draw GSM bars): -109, -93, -83 and -73 dBm and above.
 */
export function signalBars(dbm: number | undefined): number {
  if (dbm === undefined) return 0;
  return dbm >= -73 ? 4 : dbm >= -83 ? 3 : dbm >= -93 ? 2 : dbm >= -109 ? 1 : 0;
}

/**
 * The states in which the modem is initialised and its health sampled, so that its
 * signal, operator and registration are current. In any other (the port gone, a reconnect
 * attempt, a SIM problem) the worker's report still carries the last sample's figures:
 * the board leaves them out rather than show bars for an unplugged modem.
 */
const SAMPLED_STATES: ReadonlySet<string> = new Set<ModemState>(['ready', 'not-registered']);

function simStateOf(state: string): string | undefined {
  if (isSimState(state as ModemState)) return state;
  return state === 'ready' || state === 'not-registered' ? 'ready' : undefined;
}

/**
 * The latest health of every modem of this gateway: written by the built-in workers,
 * read by /healthz, /metrics, /v1/modems and the library's `modem` event.
 */
export class ModemBoard extends EventEmitter<{ modem: [health: ModemHealth] }> {
  readonly #modems = new Map<string, ModemHealth>();
  readonly #status = new Map<string, ModemStatus>();
  readonly #recoveries = new Map<string, Map<string, number>>();

  /** Counts one healing step of `name` (katar_modem_recoveries_total). */
  countRecovery(name: string, step: string): void {
    const steps = this.#recoveries.get(name) ?? new Map<string, number>();
    steps.set(step, (steps.get(step) ?? 0) + 1);
    this.#recoveries.set(name, steps);
  }

  /** Healing steps of `name` so far, by step. */
  recoveries(name: string): ReadonlyMap<string, number> {
    return this.#recoveries.get(name) ?? new Map<string, number>();
  }

  /** Records a modem's health and emits `modem`. */
  report(health: ModemHealth): void {
    this.#modems.set(health.name, health);
    this.#status.set(health.name, this.#withHistory(health, this.#status.get(health.name)));
    this.emit('modem', health);
  }

  /** Every modem's latest health, in the order they first reported. */
  all(): ModemHealth[] {
    return [...this.#modems.values()];
  }

  /**
   * Every modem as the dashboard shows it, in the order they first reported: since when it
   * is ready (or not), signal bars, SIM state and last error; signal, operator and
   * registration only while they are current (SAMPLED_STATES).
   */
  statuses(): ModemStatus[] {
    return [...this.#status.values()];
  }

  #withHistory(h: ModemHealth, prev: ModemStatus | undefined): ModemStatus {
    const sameState = prev !== undefined && prev.state === h.state;
    // Reconnect attempts go connecting, disconnected, connecting... every few seconds:
    // `since` moves only when the modem becomes ready or stops being so.
    const sameReadiness = prev !== undefined && (prev.state === 'ready') === (h.state === 'ready');
    const since = sameReadiness ? prev.since : h.updatedAt;
    const { signalDbm: _dbm, operator: _operator, registration: _registration, ...unsampled } = h;
    const s: ModemStatus = SAMPLED_STATES.has(h.state) ? { ...h, since, signalBars: signalBars(h.signalDbm) } : { ...unsampled, since, signalBars: 0 };
    const sim = simStateOf(h.state);
    if (sim !== undefined) s.simState = sim;
    // An error comes with a change of state; health samples after it carry none, and the
    // dashboard still shows the last one and since when.
    if (h.lastError !== undefined) {
      s.lastError = h.lastError;
      s.lastErrorAt = sameState && prev.lastError === h.lastError && prev.lastErrorAt ? prev.lastErrorAt : h.updatedAt;
    } else if (prev?.lastError !== undefined) {
      s.lastError = prev.lastError;
      if (prev.lastErrorAt) s.lastErrorAt = prev.lastErrorAt;
    }
    return s;
  }
}
