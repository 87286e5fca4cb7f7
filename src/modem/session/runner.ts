/**
 * One init on a link and what follows it: hand what the init learnt to the state, then
 * poll health (or re-check a blocking SIM), or retry a failed init with a backoff of its
 * own. Everything it starts ends with the phase signal it was given (supervisor.ts).
 */
import type { EventEmitter } from 'node:events';
import { Backoff, Cancelled, sleep } from '../backoff.js';
import { errorText } from '../error-text.js';
import { initialiseModem } from './init.js';
import type { Link, LinkCommands } from './link.js';
import { runHealthLoop, runSimRecheck } from './loops.js';
import type { ModemSessionOptions } from './options.js';
import { SimPin } from './sim.js';
import type { SessionState } from './state.js';
import type { ModemStorage } from './storage.js';
import type { InitRequests, SessionLogger } from './traits.js';
import type { ModemSessionEvents } from './types.js';

const noop = (): void => {};

/** The parts of a session the runner works with. */
export interface RunnerParts {
  readonly opts: ModemSessionOptions;
  readonly log: SessionLogger;
  readonly commands: LinkCommands;
  readonly status: SessionState;
  readonly storage: ModemStorage;
  /** Re-inits, and the reconnect backoff that the modem's first answer resets. */
  readonly link: InitRequests & { modemAnswered(): void };
  readonly events: Pick<EventEmitter<ModemSessionEvents>, 'emit'>;
}

/** Runs a session's inits and starts the loop that follows each. */
export class InitRunner {
  /** The configured PIN, and whether the card refused it (then never entered again). */
  private readonly pin: SimPin;
  /** Init-failure retries; reset only by a successful init (the reconnect backoff resets on any answer). */
  private readonly initBackoff: Backoff;

  constructor(private readonly parts: RunnerParts) {
    this.pin = new SimPin(parts.opts.pin);
    this.initBackoff = new Backoff(parts.opts.reconnect?.initialDelayMs ?? 1_000, parts.opts.reconnect?.maxDelayMs ?? 60_000);
  }

  /** Runs one init on `link`; the loop it starts ends when `signal` aborts. */
  async run(link: Link, signal: AbortSignal): Promise<void> {
    const { opts, status, storage, log } = this.parts;
    status.initStarted();
    const phase = this.parts.commands.phase(link, signal);
    try {
      const result = await initialiseModem(phase, {
        drivers: opts.drivers,
        forcedDriver: opts.driver,
        statusReports: opts.statusReports ?? false,
        pin: this.pin,
        modemAnswered: () => this.parts.link.modemAnswered(),
      });
      status.identified(result.identity, result.driver);
      if (result.kind === 'blocked') {
        status.set(result.state, result.detail);
        void runSimRecheck(phase, status, { pin: this.pin, driver: result.driver, everyMs: opts.simRecheckMs ?? 180_000 }, this.parts.link);
        return;
      }
      storage.reset(result.storage);
      this.initBackoff.reset();
      status.initialisedWith(result);
      const everyMs = opts.healthIntervalMs ?? 60_000;
      void runHealthLoop(phase, status, { everyMs, unregisteredMs: opts.registrationPollMs ?? 15_000 }, this.parts.link);
      if (result.driver.quirks.listAfterInit) void this.announceStored(signal);
    } catch (err) {
      if (err instanceof Cancelled || signal.aborted || link.lost) return;
      log.warn({ err }, 'initialisation failed; retrying');
      status.set('initialising', `init failed: ${errorText(err)}`);
      void sleep(this.initBackoff.next(), signal).then(() => this.parts.link.requestInit('retry after failed init'), noop);
    } finally {
      link.inits++;
    }
  }

  /** Lists the storage once after init and announces what is there (messages from before AT+CNMI). */
  private async announceStored(signal: AbortSignal): Promise<void> {
    try {
      for (const m of await this.parts.storage.list()) {
        if (signal.aborted) return;
        this.parts.events.emit('stored', { storage: m.storage, index: m.index, kind: m.storage === 'SR' ? 'status-report' : 'sms' });
      }
    } catch (err) {
      this.parts.log.warn({ err }, 'listing the storage after init failed');
    }
  }
}
