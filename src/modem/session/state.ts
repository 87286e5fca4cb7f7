/**
 * Everything a session knows about its modem, changed only through the methods below: the
 * state (and the callers waiting for `ready`), what the last init learnt (identity, driver,
 * report routing, LTE), the registration that decides between `ready` and
 * `not-registered`, the latest health sample, and whether a submit is running. It
 * announces each transition (`state`, `ready`, `health` events). Nothing leaves `closed`.
 */
import type { EventEmitter } from 'node:events';
import { KatarError } from '../../errors.js';
import { FALLBACK_DRIVER, type ModemDriver } from '../driver.js';
import { isRegistered } from '../network-status.js';
import type { ReportRouting } from '../sms-settings.js';
import { combinedRegistration } from './health.js';
import type { HealthResult } from './health.js';
import type { SessionLogger } from './traits.js';
import type { ModemHealthSample, ModemIdentity, ModemSessionEvents, ModemState } from './types.js';

const SIM_STATES: ReadonlySet<ModemState> = new Set(['sim-pin-required', 'sim-puk-required', 'sim-wrong-pin', 'no-sim', 'sim-failure']);

/** A submit that ended less than this long ago still keeps health polling off the modem. */
const SUBMIT_QUIET_MS = 1_000;

/** True for the states in which the SIM stops the init (the modem is identified, though). */
export function isSimState(state: ModemState): boolean {
  return SIM_STATES.has(state);
}

/** What a successful init hands to the state. */
export interface InitialisedWith {
  reports: ReportRouting;
  /** The modem answers AT+CEREG (LTE). */
  lte: boolean;
  cs: number | undefined;
  eps: number | undefined;
}

/** The state of one session and what it is derived from. */
export class SessionState {
  private state: ModemState = 'connecting';
  private waiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  private initDone = false;
  /** Last known `<stat>` of the CS domain (+CREG) and of the EPS domain (+CEREG). */
  private cs: number | undefined;
  private eps: number | undefined;
  private modem: ModemIdentity | undefined;
  private picked: ModemDriver | undefined;
  private sample: ModemHealthSample | undefined;
  private reports: ReportRouting = 'none';
  private hasLte = false;
  private submitting = 0;
  private lastSubmitAt = -Infinity;

  constructor(
    private readonly name: string,
    private readonly log: SessionLogger,
    /** Where transitions are announced; `state` (and `ready`) run before `whenReady()` callers are released. */
    private readonly events: Pick<EventEmitter<ModemSessionEvents>, 'emit'>,
  ) {}

  /** The current state. */
  get current(): ModemState {
    return this.state;
  }

  /** Init succeeded on the current link; false again once the link is lost or re-initialised. */
  get initialised(): boolean {
    return this.initDone;
  }

  /** What the modem told about itself at the last init. */
  get identity(): ModemIdentity | undefined {
    return this.modem;
  }

  /** The driver picked at the last init. */
  get driver(): ModemDriver | undefined {
    return this.picked;
  }

  /** The latest health sample. */
  get health(): ModemHealthSample | undefined {
    return this.sample;
  }

  /** How status reports arrive, as set by the last init. */
  get routing(): ReportRouting {
    return this.reports;
  }

  /** The modem answers AT+CEREG (LTE), as found by the last init. */
  get lte(): boolean {
    return this.hasLte;
  }

  /** Moves to `state`; a repeated state, or any state after `closed`, is dropped. */
  set(state: ModemState, detail: string | undefined): void {
    if (state === this.state) return;
    if (this.state === 'closed') return;
    this.state = state;
    this.log.info({ state, detail }, 'modem state');
    this.events.emit('state', state, detail);
    if (state === 'ready') {
      this.events.emit('ready', this.modem ?? { manufacturer: '', model: '', revision: '', imei: '' }, (this.picked ?? FALLBACK_DRIVER).name);
      for (const w of this.waiters.splice(0)) w.resolve();
    }
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

  /** The link is gone: nothing is initialised any more. */
  linkLost(): void {
    this.initDone = false;
  }

  /** An init starts on the current link. */
  initStarted(): void {
    this.initDone = false;
    if (this.state !== 'connecting') this.set('initialising', 're-initialising');
  }

  /** The modem answered on a new link: it is being initialised. */
  modemAnswered(): void {
    if (this.state === 'connecting' || this.state === 'disconnected') this.set('initialising', undefined);
  }

  /** The init identified the modem and picked its driver (also when the SIM then blocks). */
  identified(identity: ModemIdentity, driver: ModemDriver): void {
    this.modem = identity;
    this.picked = driver;
  }

  /** The init completed: `ready` or `not-registered` from here on. */
  initialisedWith(done: InitialisedWith): void {
    this.reports = done.reports;
    this.hasLte = done.lte;
    this.cs = done.cs;
    this.eps = done.eps;
    this.initDone = true;
    this.updateRegistration();
  }

  /** A `+CREG` / `+CEREG` notice changed one domain's registration. */
  registrationChanged(domain: 'cs' | 'eps', stat: number | undefined): void {
    if (domain === 'cs') this.cs = stat;
    else this.eps = stat;
    this.updateRegistration();
  }

  /** A health sample arrived: announce it and update the registration from what it read. */
  sampled(result: HealthResult): void {
    if (result.cs !== undefined) this.cs = result.cs;
    if (result.eps !== undefined) this.eps = result.eps;
    this.sample = result.sample;
    this.events.emit('health', result.sample);
    this.updateRegistration();
  }

  /** A submit starts. */
  submitStarted(): void {
    this.submitting++;
  }

  /** A submit ended (sent or not). */
  submitEnded(): void {
    this.submitting--;
    this.lastSubmitAt = performance.now();
  }

  /** A submit is running or ended less than a second ago: health polling stays off the modem. */
  submitBusy(): boolean {
    return this.submitting > 0 || performance.now() - this.lastSubmitAt < SUBMIT_QUIET_MS;
  }

  /** Once initialised: `ready` or `not-registered`, from the last known CS/EPS registration. */
  private updateRegistration(): void {
    if (!this.initDone) return;
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
