/**
 * One modem, kept usable for months: open the port, initialise (session-init.ts), poll
 * health, turn URCs into events, and when the port vanishes or the modem falls silent,
 * close everything and reopen with exponential backoff, forever, until `close()`.
 * The driver list is handed in; this file never imports `drivers/`.
 *
 * The class is the one public entry; it wires the parts beside it: the connection loop
 * (session-supervisor.ts), the init and its loops (session-runner.ts), state and
 * registration (session-state.ts), URC handling (session-urc-dispatch.ts) and message
 * storage (session-storage.ts).
 */
import { EventEmitter } from 'node:events';
import { KatarError } from '../errors.js';
import type { AtResponse, SendOptions } from './at/engine.js';
import { Backoff } from './backoff.js';
import { LinkCommands } from './session-link.js';
import type { Link } from './session-link.js';
import type { ModemSessionOptions } from './session-options.js';
import { InitRunner } from './session-runner.js';
import type { SessionLogger } from './session-sim.js';
import { SessionState, isSimState } from './session-state.js';
import { ModemStorage } from './session-storage.js';
import { LinkSupervisor } from './session-supervisor.js';
import type { ModemHealthSample, ModemIdentity, ModemSessionApi, ModemSessionEvents, ModemState, StoredPdu } from './session-types.js';
import { dispatchUrc } from './session-urc-dispatch.js';
import type { UrcHost } from './session-urc-dispatch.js';
import type { ReportRouting } from './sms-settings.js';

export type { SessionLogger } from './session-sim.js';
export type { ModemSessionOptions } from './session-options.js';

const noop = (): void => {};
const quietLogger: SessionLogger = { debug: noop, info: noop, warn: noop, error: noop };

/** A modem session: the only owner of one modem's port and AT engine. */
export class ModemSession extends EventEmitter<ModemSessionEvents> implements ModemSessionApi {
  readonly name: string;
  private readonly status: SessionState;
  private readonly commands: LinkCommands;
  private readonly storage: ModemStorage;
  private readonly runner: InitRunner;
  private readonly conn: LinkSupervisor;
  private submitting = 0;
  private lastSubmitAt = -Infinity;

  constructor(opts: ModemSessionOptions) {
    super();
    this.name = opts.name;
    const log = opts.logger ?? quietLogger;
    const backoff = new Backoff(opts.reconnect?.initialDelayMs ?? 1_000, opts.reconnect?.maxDelayMs ?? 60_000);
    const requestInit = (reason: string): void => this.conn.requestInit(reason);
    this.status = new SessionState(opts.name, log, (state, detail) => this.announce(state, detail));
    this.commands = new LinkCommands(opts.name, log, (link, reason) => this.conn.lose(link, reason));
    this.storage = new ModemStorage({
      cmd: (c, o) => this.withLink((link) => this.commands.cmd(link, undefined, c, o)),
      log,
      settingsLost: requestInit,
    });
    const { status, commands, storage } = this;
    this.runner = new InitRunner({
      opts,
      log,
      commands,
      status,
      storage,
      events: this,
      reconnectBackoff: backoff,
      submitBusy: () => this.submitting > 0 || performance.now() - this.lastSubmitAt < 1_000,
      requestInit,
    });
    const urcHost: UrcHost = { log, status, events: this, driver: () => this.runner.driver, receiveMemory: () => storage.receiveMemory, requestInit };
    this.conn = new LinkSupervisor({
      opts,
      log,
      backoff,
      setState: (state, detail) => status.set(state, detail),
      linkOpened: () => commands.answered(),
      linkLost: () => {
        status.initialised = false;
      },
      runInit: (link, signal) => this.runner.run(link, signal),
      urc: (urc) => dispatchUrc(urcHost, urc),
    });
  }

  get state(): ModemState {
    return this.status.current;
  }

  get identity(): ModemIdentity | undefined {
    return this.runner.identity;
  }

  /** Name of the driver in use (after identification). */
  get driverName(): string | undefined {
    return this.runner.driver?.name;
  }

  /** The latest health sample. */
  get lastHealth(): ModemHealthSample | undefined {
    return this.runner.health;
  }

  /** Where new messages are stored (mem3), once initialised. */
  get receiveStorage(): string | undefined {
    return this.storage.receiveMemory;
  }

  /** How status reports arrive: stored (+CDSI), direct (+CDS) or not at all. */
  get statusReportRouting(): ReportRouting {
    return this.runner.routing;
  }

  /** Starts; resolves once the first connect attempt is over, then keeps reconnecting. */
  start(): Promise<void> {
    return this.conn.start();
  }

  /** Stops everything and closes the port. */
  close(): Promise<void> {
    return this.conn.close(() => this.status.close());
  }

  whenReady(): Promise<void> {
    return this.status.whenReady();
  }

  async submit(pdu: string, tpduLength: number, beforePdu: () => Promise<void>): Promise<{ mr: number }> {
    const link = this.conn.link;
    const state = this.status.current;
    if (state !== 'ready' || !link) {
      const code = state === 'not-registered' ? 'NOT_REGISTERED' : 'MODEM_BUSY';
      throw new KatarError(code, `modem ${this.name} is ${state}`, { phase: 'prompt', state });
    }
    if (!Number.isInteger(tpduLength) || tpduLength < 1 || tpduLength > 255) {
      throw new KatarError('PDU_INVALID', `TPDU length ${tpduLength} out of range`, { phase: 'prompt' });
    }
    const quirks = this.runner.driver?.quirks ?? {};
    this.submitting++;
    try {
      const result = await link.engine.submitPdu({
        command: `AT+CMGS=${tpduLength}`,
        pdu,
        beforePdu,
        promptTimeoutMs: quirks.promptTimeoutMs ?? 10_000,
        resultTimeoutMs: quirks.cmgsTimeoutMs ?? 60_000,
      });
      this.commands.answered();
      return result;
    } finally {
      this.submitting--;
      this.lastSubmitAt = performance.now();
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
    const link = this.conn.link;
    if (!link || !(this.status.initialised || isSimState(this.status.current))) {
      return Promise.reject(this.busy());
    }
    return this.commands.cmd(link, undefined, command, opts);
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

  /** Runs `fn` on the link once it is initialised; MODEM_BUSY otherwise. */
  private withLink<T>(fn: (link: Link) => Promise<T>): Promise<T> {
    const link = this.conn.link;
    if (!link || !this.status.initialised) return Promise.reject(this.busy());
    return fn(link);
  }

  private busy(): KatarError {
    return new KatarError('MODEM_BUSY', `modem ${this.name} is ${this.status.current}`, { state: this.status.current });
  }

  private announce(state: ModemState, detail: string | undefined): void {
    this.emit('state', state, detail);
    if (state === 'ready') this.emit('ready', this.runner.identity ?? { manufacturer: '', model: '', revision: '', imei: '' }, this.runner.driver?.name ?? 'none');
  }
}
