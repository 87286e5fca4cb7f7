/**
 * Where a session stands: its state, the registration that decides between `ready` and
 * `not-registered`, and the callers waiting for `ready`. Nothing leaves `closed`.
 */
import { KatarError } from '../errors.js';
import { isRegistered } from './network-status.js';
import { combinedRegistration } from './session-health.js';
import type { SessionLogger } from './session-sim.js';
import type { ModemState } from './session-types.js';

const SIM_STATES: ReadonlySet<ModemState> = new Set(['sim-pin-required', 'sim-puk-required', 'sim-wrong-pin', 'no-sim', 'sim-failure']);

/** True for the states in which the SIM stops the init (the modem is identified, though). */
export function isSimState(state: ModemState): boolean {
  return SIM_STATES.has(state);
}

/** The state of one session and the registration it is derived from. */
export class SessionState {
  /** Init succeeded on the current link; cleared when the link is lost or re-initialised. */
  initialised = false;
  /** Last known `<stat>` of the CS domain (+CREG). */
  cs: number | undefined;
  /** Last known `<stat>` of the EPS domain (+CEREG). */
  eps: number | undefined;
  private state: ModemState = 'connecting';
  private waiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];

  constructor(
    private readonly name: string,
    private readonly log: SessionLogger,
    /** Announces a transition; runs before `whenReady()` callers are released. */
    private readonly changed: (state: ModemState, detail: string | undefined) => void,
  ) {}

  /** The current state. */
  get current(): ModemState {
    return this.state;
  }

  /** Moves to `state`; a repeated state, or any state after `closed`, is dropped. */
  set(state: ModemState, detail: string | undefined): void {
    if (state === this.state) return;
    if (this.state === 'closed') return;
    this.state = state;
    this.log.info({ state, detail }, 'modem state');
    this.changed(state, detail);
    if (state === 'ready') for (const w of this.waiters.splice(0)) w.resolve();
  }

  /** Resolves when the state is `ready` (now, if it is); rejects with MODEM_CLOSED once closed. */
  whenReady(): Promise<void> {
    if (this.state === 'ready') return Promise.resolve();
    if (this.state === 'closed') return Promise.reject(this.closedError());
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Moves to `closed` for good and rejects every waiter. */
  close(): void {
    this.set('closed', undefined);
    for (const w of this.waiters.splice(0)) w.reject(this.closedError());
  }

  /** Once initialised: `ready` or `not-registered`, from the last known CS/EPS registration. */
  updateRegistration(): void {
    if (!this.initialised) return;
    if (this.cs === undefined && this.eps === undefined) {
      // No answer to AT+CREG? at all (gammu at-creg/empty.dump): let sends find out.
      this.set('ready', 'registration unknown');
      return;
    }
    const reg = combinedRegistration(this.cs, this.eps);
    if (isRegistered(reg)) this.set('ready', reg);
    else this.set('not-registered', reg);
  }

  private closedError(): KatarError {
    return new KatarError('MODEM_CLOSED', `modem ${this.name} closed`);
  }
}
