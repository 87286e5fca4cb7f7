/**
 * One modem, kept usable for months: open the port, initialise (session-init.ts), poll
 * health, turn URCs into events, and when the port vanishes or the modem falls silent,
 * close everything and reopen with exponential backoff, forever, until `close()`.
 * The driver list is handed in; this file never imports `drivers/`.
 */
import { EventEmitter } from 'node:events';
import { KatarError } from '../errors.js';
import { AtEngine } from './at/engine.js';
import type { AtResponse, SendOptions } from './at/engine.js';
import type { Urc } from './at/urc.js';
import { Backoff, Cancelled, sleep } from './backoff.js';
import type { ModemDriver } from './driver.js';
import { isRegistered } from './network-status.js';
import type { ModemPort, ModemPortFactory } from './port.js';
import { combinedRegistration } from './session-health.js';
import { initialiseModem } from './session-init.js';
import type { InitHost } from './session-init.js';
import { LinkCommands } from './session-link.js';
import type { Link } from './session-link.js';
import { runHealthLoop, runSimRecheck } from './session-loops.js';
import type { SessionLogger, SimHost } from './session-sim.js';
import { MessageStore } from './session-storage.js';
import type { ModemHealthSample, ModemIdentity, ModemSessionApi, ModemSessionEvents, ModemState, StoredPdu } from './session-types.js';
import { interpretUrc } from './session-urcs.js';
import type { ReportRouting } from './sms-settings.js';

export type { SessionLogger } from './session-sim.js';

/** Settings of a session; defaults beside each field. */
export interface ModemSessionOptions {
  name: string;
  openPort: ModemPortFactory;
  /** Drivers in matching order (specific first, generic last). */
  drivers: readonly ModemDriver[];
  /** Force a driver by name instead of matching. */
  driver?: string;
  pin?: string;
  /** Ask for status reports via AT+CNMI `<ds>`. Default false. */
  statusReports?: boolean;
  /** Health sample period. Default 60 000 ms. */
  healthIntervalMs?: number;
  /** Reconnect backoff. Default 1 000 ms doubling to 60 000 ms. */
  reconnect?: { initialDelayMs: number; maxDelayMs: number };
  /** Read-only AT+CPIN? period while the SIM blocks. Default 180 000 ms. */
  simRecheckMs?: number;
  /** Registration poll period while not registered. Default 15 000 ms. */
  registrationPollMs?: number;
  logger?: SessionLogger;
}

const SIM_STATES: ReadonlySet<ModemState> = new Set(['sim-pin-required', 'sim-puk-required', 'sim-wrong-pin', 'no-sim', 'sim-failure']);
const FALLBACK_DRIVER: ModemDriver = { name: 'none', matches: () => true, quirks: {} };
const noop = (): void => {};
const quietLogger: SessionLogger = { debug: noop, info: noop, warn: noop, error: noop };

/** A modem session: the only owner of one modem's port and AT engine. */
export class ModemSession extends EventEmitter<ModemSessionEvents> implements ModemSessionApi {
  readonly name: string;
  private readonly log: SessionLogger;
  private readonly backoff: Backoff;
  private readonly store: MessageStore;
  private readonly commands: LinkCommands;
  /** Init-failure retries; reset only by a successful init (the reconnect backoff resets on any answer). */
  private readonly initBackoff: Backoff;
  private readonly closing = new AbortController();
  private current: ModemState = 'connecting';
  private ident: ModemIdentity | undefined;
  private driver: ModemDriver | undefined;
  private health: ModemHealthSample | undefined;
  private link: Link | undefined;
  private phase = new AbortController();
  private initWanted = false;
  private wake: (() => void) | undefined;
  private started = false;
  private pinRefusedForever = false;
  private initialised = false;
  private lte = false;
  private cs: number | undefined;
  private eps: number | undefined;
  private routing: ReportRouting = 'none';
  private submitting = 0;
  private lastSubmitAt = -Infinity;
  private waiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  private supervisor: Promise<void> | undefined;

  constructor(private readonly opts: ModemSessionOptions) {
    super();
    this.name = opts.name;
    this.log = opts.logger ?? quietLogger;
    this.backoff = new Backoff(opts.reconnect?.initialDelayMs ?? 1_000, opts.reconnect?.maxDelayMs ?? 60_000);
    this.initBackoff = new Backoff(opts.reconnect?.initialDelayMs ?? 1_000, opts.reconnect?.maxDelayMs ?? 60_000);
    this.commands = new LinkCommands(opts.name, this.log, (link, reason) => this.lose(link, reason));
    this.store = new MessageStore({
      cmd: (c, o) => this.withLink((link) => this.commands.cmd(link, undefined, c, o)),
      log: this.log,
      settingsLost: (reason) => this.requestInit(reason),
    });
  }

  get state(): ModemState {
    return this.current;
  }

  get identity(): ModemIdentity | undefined {
    return this.ident;
  }

  /** Name of the driver in use (after identification). */
  get driverName(): string | undefined {
    return this.driver?.name;
  }

  /** The latest health sample. */
  get lastHealth(): ModemHealthSample | undefined {
    return this.health;
  }

  /** Where new messages are stored (mem3), once initialised. */
  get receiveStorage(): string | undefined {
    return this.store.receiveMemory;
  }

  /** How status reports arrive: stored (+CDSI), direct (+CDS) or not at all. */
  get statusReportRouting(): ReportRouting {
    return this.routing;
  }

  /** Starts; resolves once the first connect attempt is over, then keeps reconnecting. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    let firstDone = noop;
    const first = new Promise<void>((resolve) => (firstDone = resolve));
    this.supervisor = this.supervise(() => firstDone()).catch((err: unknown) => this.log.error({ err }, 'session supervisor failed'));
    await first;
  }

  /** Stops everything and closes the port. */
  async close(): Promise<void> {
    if (this.closing.signal.aborted) return;
    this.closing.abort();
    this.phase.abort();
    const link = this.link;
    this.link = undefined;
    if (link) {
      link.lost = true;
      await link.engine.close().catch(noop);
    }
    this.setState('closed', undefined);
    for (const w of this.waiters.splice(0)) w.reject(new KatarError('MODEM_CLOSED', `modem ${this.name} closed`));
    this.wake?.();
    await this.supervisor;
  }

  whenReady(): Promise<void> {
    if (this.current === 'ready') return Promise.resolve();
    if (this.current === 'closed') return Promise.reject(new KatarError('MODEM_CLOSED', `modem ${this.name} closed`));
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  async submit(pdu: string, tpduLength: number, beforePdu: () => Promise<void>): Promise<{ mr: number }> {
    const link = this.link;
    if (this.current !== 'ready' || !link) {
      const code = this.current === 'not-registered' ? 'NOT_REGISTERED' : 'MODEM_BUSY';
      throw new KatarError(code, `modem ${this.name} is ${this.current}`, { phase: 'prompt', state: this.current });
    }
    if (!Number.isInteger(tpduLength) || tpduLength < 1 || tpduLength > 255) {
      throw new KatarError('PDU_INVALID', `TPDU length ${tpduLength} out of range`, { phase: 'prompt' });
    }
    const quirks = this.driver?.quirks ?? {};
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
      this.lastSubmitAt = Date.now();
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
    const link = this.link;
    if (!link || !(this.initialised || SIM_STATES.has(this.current))) {
      return Promise.reject(new KatarError('MODEM_BUSY', `modem ${this.name} is ${this.current}`, { state: this.current }));
    }
    return this.commands.cmd(link, undefined, command, opts);
  }

  read(storage: string, index: number): Promise<StoredPdu | undefined> {
    return this.store.read(storage, index);
  }

  list(): Promise<StoredPdu[]> {
    return this.store.list();
  }

  remove(storage: string, index: number): Promise<void> {
    return this.store.remove(storage, index);
  }

  // ---- connection lifecycle ------------------------------------------------------------

  private async supervise(firstDone: () => void): Promise<void> {
    while (!this.closing.signal.aborted) {
      const link = await this.open();
      if (link) await this.serve(link, firstDone);
      firstDone();
      if (this.closing.signal.aborted) return;
      const delay = this.backoff.next();
      this.log.info({ delayMs: delay }, 'reconnecting after backoff');
      await sleep(delay, this.closing.signal).catch(noop);
    }
  }

  private async open(): Promise<Link | undefined> {
    this.setState('connecting', undefined);
    let port: ModemPort;
    try {
      port = await this.opts.openPort();
    } catch (err) {
      this.log.warn({ err: errText(err) }, 'cannot open the modem port');
      this.setState('disconnected', `open failed: ${errText(err)}`);
      return undefined;
    }
    if (this.closing.signal.aborted) {
      await port.close().catch(noop);
      return undefined;
    }
    const urcs = this.opts.drivers.flatMap((d) => d.urcs ?? []);
    const engine = new AtEngine(port, { urcs, logger: this.log });
    const link: Link = { port, engine, lost: false, inits: 0 };
    engine.on('close', (err) => this.lose(link, err ? `port closed: ${err.message}` : 'port closed'));
    engine.on('urc', (urc) => this.onUrc(link, urc));
    engine.on('boot', (urc) => {
      if (link === this.link) this.requestInit(`modem restarted (${urc.line})`);
    });
    engine.on('noise', (text, reason) => this.log.debug({ text, reason }, 'modem noise ignored'));
    this.link = link;
    this.commands.answered();
    return link;
  }

  /** Runs inits on `link` whenever one is wanted; returns when the link is lost. */
  private async serve(link: Link, firstDone: () => void): Promise<void> {
    this.initWanted = true;
    while (!link.lost && !this.closing.signal.aborted) {
      if (this.initWanted) {
        this.initWanted = false;
        await this.runInit(link);
        firstDone();
        continue;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  private lose(link: Link, reason: string): void {
    if (link.lost) return;
    link.lost = true;
    this.phase.abort();
    this.initialised = false;
    if (this.link === link) this.link = undefined;
    void link.engine.close().catch(noop);
    if (!this.closing.signal.aborted) {
      this.log.warn({ reason }, 'modem lost');
      this.setState('disconnected', reason);
    }
    this.wake?.();
  }

  /** Re-initialise on the same link (boot URC, lost settings, SIM change). */
  private requestInit(reason: string): void {
    if (!this.link || this.closing.signal.aborted) return;
    this.log.info({ reason }, 're-initialising');
    this.initWanted = true;
    this.phase.abort();
    this.wake?.();
  }

  private async runInit(link: Link): Promise<void> {
    this.phase.abort();
    this.phase = new AbortController();
    const signal = this.phase.signal;
    this.initialised = false;
    if (this.current !== 'connecting') this.setState('initialising', 're-initialising');
    const host = this.initHost(link, signal);
    try {
      const result = await initialiseModem(host);
      this.ident = result.identity;
      this.driver = result.driver;
      if (result.kind === 'blocked') {
        this.setState(result.state, result.detail);
        this.startSimRecheck(link, signal);
        return;
      }
      this.store.readMemory = result.storage?.read;
      this.store.receiveMemory = result.storage?.receive;
      this.routing = result.reports;
      this.lte = result.lte;
      this.cs = result.cs;
      this.eps = result.eps;
      this.initialised = true;
      this.initBackoff.reset();
      this.updateRegistration();
      this.startHealth(link, signal);
      if (result.driver.quirks.sweepAfterInit) void this.sweep(signal);
    } catch (err) {
      if (err instanceof Cancelled || signal.aborted || link.lost) return;
      this.log.warn({ err: errText(err) }, 'initialisation failed; retrying');
      this.setState('initialising', `init failed: ${errText(err)}`);
      void sleep(this.initBackoff.next(), signal).then(() => this.requestInit('retry after failed init'), noop);
    } finally {
      link.inits++;
    }
  }

  // ---- hosts and loops -----------------------------------------------------------------

  private withLink<T>(fn: (link: Link) => Promise<T>): Promise<T> {
    const link = this.link;
    if (!link || !this.initialised) {
      return Promise.reject(new KatarError('MODEM_BUSY', `modem ${this.name} is ${this.current}`, { state: this.current }));
    }
    return fn(link);
  }

  private simHost(link: Link, signal: AbortSignal): SimHost {
    return {
      cmd: (c, o) => this.commands.cmd(link, signal, c, o),
      tryCmd: (c, o) => this.commands.tryCmd(link, signal, c, o),
      sleep: (ms) => sleep(ms, signal),
      log: this.log,
      pin: this.opts.pin,
      pinRefused: () => this.pinRefusedForever,
      markPinRefused: () => {
        this.pinRefusedForever = true;
      },
    };
  }

  private initHost(link: Link, signal: AbortSignal): InitHost {
    return {
      ...this.simHost(link, signal),
      writeRaw: (data) => link.port.write(data),
      echoOn: () => this.commands.echoOn(link, signal),
      alive: () => {
        this.backoff.reset();
        if (this.current === 'connecting' || this.current === 'disconnected') this.setState('initialising', undefined);
      },
      drivers: this.opts.drivers,
      forcedDriver: this.opts.driver,
      statusReports: this.opts.statusReports ?? false,
      fresh: link.inits === 0,
    };
  }

  private startHealth(link: Link, signal: AbortSignal): void {
    const every = this.opts.healthIntervalMs ?? 60_000;
    void runHealthLoop(
      {
        cmd: (c) => this.commands.cmd(link, signal, c),
        log: this.log,
        lte: () => this.lte,
        submitBusy: () => this.submitting > 0 || Date.now() - this.lastSubmitAt < 1_000,
        nextDelayMs: () => (this.current === 'not-registered' ? Math.min(every, this.opts.registrationPollMs ?? 15_000) : every),
        onSample: (r) => {
          if (r.cs !== undefined) this.cs = r.cs;
          if (r.eps !== undefined) this.eps = r.eps;
          this.health = r.sample;
          this.emit('health', r.sample);
          this.updateRegistration();
          if (r.simLost) this.requestInit('SIM error during health check');
        },
      },
      signal,
    );
  }

  private startSimRecheck(link: Link, signal: AbortSignal): void {
    void runSimRecheck(
      {
        sim: this.simHost(link, signal),
        everyMs: this.opts.simRecheckMs ?? 180_000,
        driver: () => this.driver ?? FALLBACK_DRIVER,
        state: () => this.current,
        setState: (state, detail) => this.setState(state, detail),
        requestInit: (reason) => this.requestInit(reason),
      },
      signal,
    );
  }

  /** Lists once after init and announces what is there (messages from before AT+CNMI). */
  private async sweep(signal: AbortSignal): Promise<void> {
    try {
      for (const m of await this.list()) {
        if (signal.aborted) return;
        this.emit('stored', { storage: m.storage, index: m.index, kind: m.storage === 'SR' ? 'status-report' : 'sms' });
      }
    } catch (err) {
      this.log.warn({ err: errText(err) }, 'sweep after init failed');
    }
  }

  // ---- URCs and state ------------------------------------------------------------------

  private onUrc(link: Link, urc: Urc): void {
    if (link !== this.link) return;
    this.emit('urc', urc);
    const driver = this.driver;
    const name = urc.name.toUpperCase();
    if (driver?.rebootUrcs?.some((n) => n.toUpperCase() === name)) return this.requestInit(`modem restarted (${urc.line})`);
    if (driver?.quirks.periodicUrcFlood && name === '^RSSI' && this.initialised) return this.requestInit('periodic URCs are back: settings lost');
    const effect = interpretUrc(urc, driver?.quirks ?? {}, this.store.receiveMemory);
    switch (effect?.type) {
      case 'stored':
        this.emit('stored', { storage: effect.storage, index: effect.index, kind: effect.kind });
        break;
      case 'deliver':
        this.emit('deliver', effect.pdu);
        break;
      case 'status-report':
        this.emit('statusReport', effect.pdu);
        break;
      case 'registration':
        if (effect.domain === 'cs') this.cs = effect.stat;
        else this.eps = effect.stat;
        this.updateRegistration();
        break;
      case 'sim-or-radio':
        // Unsolicited while initialised: the modem reset (modems.md §1.13). While the SIM
        // blocks: it may have become ready. During init: the SIM we are waiting for.
        if (this.initialised || SIM_STATES.has(this.current)) this.requestInit(`unsolicited ${effect.line}`);
        break;
      case 'ignored':
        this.log.warn({ line: urc.line, reason: effect.reason }, 'URC ignored');
        break;
      default:
        break;
    }
  }

  private updateRegistration(): void {
    if (!this.initialised) return;
    if (this.cs === undefined && this.eps === undefined) {
      // No answer to AT+CREG? at all (gammu at-creg/empty.dump): let sends find out.
      this.setState('ready', 'registration unknown');
      return;
    }
    const reg = combinedRegistration(this.cs, this.eps);
    if (isRegistered(reg)) this.setState('ready', reg);
    else this.setState('not-registered', reg);
  }

  private setState(state: ModemState, detail: string | undefined): void {
    if (state === this.current) return;
    if (this.current === 'closed') return;
    this.current = state;
    this.log.info({ state, detail }, 'modem state');
    this.emit('state', state, detail);
    if (state === 'ready') {
      this.emit('ready', this.ident ?? { manufacturer: '', model: '', revision: '', imei: '' }, this.driver?.name ?? 'none');
      for (const w of this.waiters.splice(0)) w.resolve();
    }
  }
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
