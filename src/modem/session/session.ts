/**
 * One modem, kept usable for months. The driver list is handed in; this folder never
 * imports `drivers/`. The life cycle, and the file that owns each phase:
 *
 * 1. connect (supervisor.ts): open the port, build the AT engine; a failure waits out the
 *    reconnect backoff (1 s doubling to 60 s) and tries again, forever, until `close()`.
 * 2. initialise (runner.ts runs init.ts): flush, wake with `AT`, echo off, numeric errors,
 *    identify and pick the driver, SIM and PIN (sim.ts), PDU mode, storage, new-message
 *    indications, SMSC, the driver's commands, registration. States: `connecting` →
 *    `initialising` → `ready` or `not-registered` (state.ts).
 * 3. serve: submit and control commands for USSD and calls (here; ../ussd.ts, ../calls.ts),
 *    read / list / delete stored messages (storage.ts), URCs turned
 *    into events (urc-dispatch.ts, meanings in urcs.ts), health sampled every minute
 *    (loops.ts, health.ts), the storage listed once after init where the driver asks.
 * 4. stopped at the SIM: a `sim-*` or `no-sim` state, and a read-only `AT+CPIN?` every
 *    3 minutes (loops.ts) until the SIM is usable, then back to 2.
 * 5. re-initialise (back to 2, same link): a restart notice (RDY, `+CFUN: 1`, a driver's
 *    reboot URC), settings found lost, a SIM change, or a failed init after its own backoff.
 * 6. lost (supervisor.ts): the port closed, or three timeouts in a row (link.ts):
 *    `disconnected`, then back to 1; a silent modem climbs the healing ladder
 *    (healing-ladder.ts: reopen, AT+CFUN=1,1, USB re-bind, `failed` with backoff).
 * 7. `close()`: stops every loop, closes the port, state `closed` for good.
 *
 * Every init runs under a phase signal of its own; a re-init or a loss aborts it and
 * everything it started. What the session knows lives in SessionState and changes only
 * through its methods.
 */
import { EventEmitter } from 'node:events';
import { KatarError } from '../../errors.js';
import type { AtResponse, SendOptions } from '../at/engine.js';
import type { DriverQuirks } from '../driver.js';
import type { ModemSessionOptions } from './options.js';
import type { RecoveryStatus } from './healing-ladder.js';
import { InitRunner } from './runner.js';
import { SessionState, isSimState } from './state.js';
import { ModemStorage } from './storage.js';
import { LinkSupervisor } from './supervisor.js';
import type { SessionLogger } from './traits.js';
import type { ModemHealthSample, ModemIdentity, ModemSessionApi, ModemSessionEvents, ModemState, StoredPdu } from './types.js';
import { UrcDispatcher } from './urc-dispatch.js';
import type { ReportRouting } from '../sms-settings.js';

export type { SessionLogger } from './traits.js';
export type { ModemSessionOptions } from './options.js';

const noop = (): void => {};
const quietLogger: SessionLogger = { debug: noop, info: noop, warn: noop, error: noop };

/** A modem session: the only owner of one modem's port and AT engine. */
export class ModemSession extends EventEmitter<ModemSessionEvents> implements ModemSessionApi {
  readonly name: string;
  private readonly status: SessionState;
  private readonly link: LinkSupervisor;
  private readonly storage: ModemStorage;
  private readonly runner: InitRunner;
  private readonly urcs: UrcDispatcher;

  constructor(opts: ModemSessionOptions) {
    super();
    this.name = opts.name;
    const log = opts.logger ?? quietLogger;
    this.status = new SessionState(opts.name, log, this);
    this.link = new LinkSupervisor(opts, log, this.status, this);
    this.storage = new ModemStorage({ cmd: (command, o) => this.command(command, o, 'initialised') }, log, this.link);
    const { status, link, storage } = this;
    this.runner = new InitRunner({ opts, log, commands: link.commands, status, storage, link, events: this });
    this.urcs = new UrcDispatcher(log, status, storage, link, this);
  }

  get state(): ModemState {
    return this.status.current;
  }

  get identity(): ModemIdentity | undefined {
    return this.status.identity;
  }

  /** The healing step in progress while the modem does not answer (healing-ladder.ts). */
  get recovery(): RecoveryStatus | undefined {
    return this.link.recovery;
  }

  /** Commands in a row that timed out on the current link; 0 once the modem answers one. */
  get unanswered(): number {
    return this.link.commands.unanswered;
  }

  /** Healing steps taken since start, by step; undefined without `opts.healing`. */
  get recoveries(): Readonly<Record<string, number>> | undefined {
    return this.link.recoveries;
  }

  /** Name of the driver in use (after identification). */
  get driverName(): string | undefined {
    return this.status.driver?.name;
  }

  /** The latest health sample. */
  get lastHealth(): ModemHealthSample | undefined {
    return this.status.health;
  }

  /** Where new messages are stored (mem3), once initialised. */
  get receiveStorage(): string | undefined {
    return this.storage.receiveMemory;
  }

  /** How status reports arrive: stored (+CDSI), direct (+CDS) or not at all. */
  get statusReportRouting(): ReportRouting {
    return this.status.routing;
  }

  /** Starts; resolves once the first connect attempt is over, then keeps reconnecting. */
  start(): Promise<void> {
    return this.link.start({ init: this.runner, urcs: this.urcs });
  }

  /** Stops everything and closes the port. */
  close(): Promise<void> {
    return this.link.close();
  }

  whenReady(): Promise<void> {
    return this.status.whenReady();
  }

  async submit(pdu: string, tpduLength: number, beforePdu: () => Promise<void>): Promise<{ mr: number }> {
    const link = this.link.link;
    const state = this.status.current;
    if (state !== 'ready' || !link) {
      const code = state === 'not-registered' ? 'NOT_REGISTERED' : 'MODEM_BUSY';
      throw new KatarError(code, `modem ${this.name} is ${state}`, { phase: 'prompt', state });
    }
    if (!Number.isInteger(tpduLength) || tpduLength < 1 || tpduLength > 255) {
      throw new KatarError('PDU_INVALID', `TPDU length ${tpduLength} out of range`, { phase: 'prompt' });
    }
    const quirks = this.status.driver?.quirks ?? {};
    this.status.submitStarted();
    try {
      const result = await link.engine.submitPdu({
        command: `AT+CMGS=${tpduLength}`,
        pdu,
        beforePdu,
        promptTimeoutMs: quirks.promptTimeoutMs ?? 10_000,
        resultTimeoutMs: quirks.cmgsTimeoutMs ?? 60_000,
      });
      this.link.commands.answered();
      return result;
    } finally {
      this.status.submitEnded();
    }
  }

  /**
   * Runs one read-only diagnostic command (`AT+CSCA?`, `AT+CPMS?`, `AT+CSQ`) through the
   * session's engine, queued behind the session's own commands. Allowed once the modem is
   * identified: initialised (ready, not-registered) or stopped at the SIM; otherwise
   * rejects with MODEM_BUSY. For `katar-sms probe`: never use it to change settings the
   * session owns (CMGF, CPMS, CNMI), which would go stale without a re-init.
   */
  query(command: string, opts?: SendOptions): Promise<AtResponse> {
    return this.command(command, opts, 'identified');
  }

  get quirks(): DriverQuirks {
    return this.status.driver?.quirks ?? {};
  }

  control(command: string, opts?: SendOptions): Promise<AtResponse> {
    return this.command(command, opts, 'initialised');
  }

  read(storage: string, index: number): Promise<StoredPdu | undefined> {
    return this.storage.read(storage, index);
  }

  list(): Promise<StoredPdu[]> {
    return this.storage.list();
  }

  remove(storage: string, index: number): Promise<void> {
    return this.storage.remove(storage, index);
  }

  /**
   * Runs a command on the current link once the modem is `initialised`, or at least
   * `identified` (initialised or stopped at the SIM); MODEM_BUSY otherwise.
   */
  private command(command: string, opts: SendOptions | undefined, needs: 'initialised' | 'identified'): Promise<AtResponse> {
    const link = this.link.link;
    const allowed = this.status.initialised || (needs === 'identified' && isSimState(this.status.current));
    if (!link || !allowed) {
      return Promise.reject(new KatarError('MODEM_BUSY', `modem ${this.name} is ${this.status.current}`, { state: this.status.current }));
    }
    return this.link.commands.cmd(link, undefined, command, opts);
  }
}
