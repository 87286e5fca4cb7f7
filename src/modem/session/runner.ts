/**
 * One init on a link and what follows it: keep what the init learnt, then poll health (or
 * re-check a blocking SIM), or retry a failed init with a backoff of its own. Everything
 * it starts ends with the phase signal it was given (session-supervisor.ts).
 */
import type { EventEmitter } from 'node:events';
import { Backoff, Cancelled, sleep } from './backoff.js';
import { FALLBACK_DRIVER } from './driver.js';
import { errorText } from './error-text.js';
import type { ModemDriver } from './driver.js';
import { initialiseModem } from './session-init.js';
import type { InitHost } from './session-init.js';
import type { Link, LinkCommands } from './session-link.js';
import { runHealthLoop, runSimRecheck } from './session-loops.js';
import type { ModemSessionOptions } from './session-options.js';
import type { SessionLogger, SimHost } from './session-sim.js';
import type { SessionState } from './session-state.js';
import type { ModemStorage } from './session-storage.js';
import type { ModemHealthSample, ModemIdentity, ModemSessionEvents } from './session-types.js';
import type { ReportRouting } from './sms-settings.js';

const noop = (): void => {};

/** What the runner needs from its session. */
export interface RunnerHost {
  readonly opts: ModemSessionOptions;
  readonly log: SessionLogger;
  readonly commands: LinkCommands;
  readonly status: SessionState;
  readonly storage: ModemStorage;
  readonly events: Pick<EventEmitter<ModemSessionEvents>, 'emit'>;
  /** The reconnect delays: reset as soon as the modem answers. */
  readonly reconnectBackoff: Backoff;
  /** A submit is running or ended less than a second ago: health polling stays off the modem. */
  submitBusy(): boolean;
  requestInit(reason: string): void;
}

/** Runs a session's inits and keeps what they and the health loop learnt about the modem. */
export class InitRunner {
  /** What the modem told about itself at the last init. */
  identity: ModemIdentity | undefined;
  /** The driver picked at the last init. */
  driver: ModemDriver | undefined;
  /** The latest health sample. */
  health: ModemHealthSample | undefined;
  /** How status reports arrive, as set by the last init. */
  routing: ReportRouting = 'none';
  private lte = false;
  private pinRefusedForever = false;
  /** Init-failure retries; reset only by a successful init (the reconnect backoff resets on any answer). */
  private readonly initBackoff: Backoff;

  constructor(private readonly host: RunnerHost) {
    this.initBackoff = new Backoff(host.opts.reconnect?.initialDelayMs ?? 1_000, host.opts.reconnect?.maxDelayMs ?? 60_000);
  }

  /** Runs one init on `link`; the loop it starts ends when `signal` aborts. */
  async run(link: Link, signal: AbortSignal): Promise<void> {
    const { status, storage } = this.host;
    status.initialised = false;
    if (status.current !== 'connecting') status.set('initialising', 're-initialising');
    const initHost = this.initHost(link, signal);
    try {
      const result = await initialiseModem(initHost);
      this.identity = result.identity;
      this.driver = result.driver;
      if (result.kind === 'blocked') {
        status.set(result.state, result.detail);
        this.startSimRecheck(link, signal);
        return;
      }
      storage.readMemory = result.storage?.read;
      storage.receiveMemory = result.storage?.receive;
      this.routing = result.reports;
      this.lte = result.lte;
      status.cs = result.cs;
      status.eps = result.eps;
      status.initialised = true;
      this.initBackoff.reset();
      status.updateRegistration();
      this.startHealth(link, signal);
      if (result.driver.quirks.listAfterInit) void this.announceStored(signal);
    } catch (err) {
      if (err instanceof Cancelled || signal.aborted || link.lost) return;
      this.host.log.warn({ err }, 'initialisation failed; retrying');
      status.set('initialising', `init failed: ${errorText(err)}`);
      void sleep(this.initBackoff.next(), signal).then(() => this.host.requestInit('retry after failed init'), noop);
    } finally {
      link.inits++;
    }
  }

  private simHost(link: Link, signal: AbortSignal): SimHost {
    const { commands } = this.host;
    return {
      cmd: (c, o) => commands.cmd(link, signal, c, o),
      tryCmd: (c, o) => commands.tryCmd(link, signal, c, o),
      sleep: (ms) => sleep(ms, signal),
      log: this.host.log,
      pin: this.host.opts.pin,
      pinRefused: () => this.pinRefusedForever,
      markPinRefused: () => {
        this.pinRefusedForever = true;
      },
    };
  }

  private initHost(link: Link, signal: AbortSignal): InitHost {
    const { opts, status } = this.host;
    return {
      ...this.simHost(link, signal),
      writeRaw: (data) => link.port.write(data),
      echoOn: () => this.host.commands.echoOn(link, signal),
      alive: () => {
        this.host.reconnectBackoff.reset();
        if (status.current === 'connecting' || status.current === 'disconnected') status.set('initialising', undefined);
      },
      drivers: opts.drivers,
      forcedDriver: opts.driver,
      statusReports: opts.statusReports ?? false,
      fresh: link.inits === 0,
    };
  }

  private startHealth(link: Link, signal: AbortSignal): void {
    const { opts, status } = this.host;
    const every = opts.healthIntervalMs ?? 60_000;
    void runHealthLoop(
      {
        cmd: (c) => this.host.commands.cmd(link, signal, c),
        log: this.host.log,
        lte: () => this.lte,
        submitBusy: () => this.host.submitBusy(),
        nextDelayMs: () => (status.current === 'not-registered' ? Math.min(every, opts.registrationPollMs ?? 15_000) : every),
        onSample: (r) => {
          if (r.cs !== undefined) status.cs = r.cs;
          if (r.eps !== undefined) status.eps = r.eps;
          this.health = r.sample;
          this.host.events.emit('health', r.sample);
          status.updateRegistration();
          if (r.simLost) this.host.requestInit('SIM error during health check');
        },
      },
      signal,
    );
  }

  private startSimRecheck(link: Link, signal: AbortSignal): void {
    const { status } = this.host;
    void runSimRecheck(
      {
        sim: this.simHost(link, signal),
        everyMs: this.host.opts.simRecheckMs ?? 180_000,
        driver: () => this.driver ?? FALLBACK_DRIVER,
        state: () => status.current,
        setState: (state, detail) => status.set(state, detail),
        requestInit: (reason) => this.host.requestInit(reason),
      },
      signal,
    );
  }

  /** Lists the storage once after init and announces what is there (messages from before AT+CNMI). */
  private async announceStored(signal: AbortSignal): Promise<void> {
    try {
      for (const m of await this.host.storage.list()) {
        if (signal.aborted) return;
        this.host.events.emit('stored', { storage: m.storage, index: m.index, kind: m.storage === 'SR' ? 'status-report' : 'sms' });
      }
    } catch (err) {
      this.host.log.warn({ err }, 'listing the storage after init failed');
    }
  }
}
