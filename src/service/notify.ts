import type { Logger } from '../log.js';
import { spawnTransport, type NotifyTransport } from './notify-transport.js';

/** Options of {@link SystemdNotifier}; all but the logger have defaults. */
export interface NotifierOptions {
  logger: Logger;
  /** Where NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID are read (default: process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  transport?: NotifyTransport;
  /** At most one STATUS= per this many ms; later texts in between are coalesced. */
  statusIntervalMs?: number;
  pid?: number;
}

/**
 * Talks to systemd (sd_notify): READY=1, STATUS=, WATCHDOG=1, STOPPING=1. Without
 * NOTIFY_SOCKET every method is a no-op that spawns nothing. Every failure is logged
 * at debug and swallowed: a gateway must never stop because systemd did not listen.
 */
export class SystemdNotifier {
  /** True when started by systemd with a notify socket. */
  readonly enabled: boolean;
  readonly #log: Logger;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #transport: NotifyTransport;
  readonly #interval: number;
  readonly #pid: number;
  #pending: string | (() => string) | undefined;
  #lastText: string | undefined;
  #lastAt = Number.NEGATIVE_INFINITY;
  #statusTimer: NodeJS.Timeout | undefined;
  #statusInFlight = false;
  #watchdogTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(o: NotifierOptions) {
    this.#log = o.logger;
    this.#env = o.env ?? process.env;
    this.#transport = o.transport ?? spawnTransport();
    this.#interval = o.statusIntervalMs ?? 1000;
    this.#pid = o.pid ?? process.pid;
    this.enabled = Boolean(this.#env.NOTIFY_SOCKET);
  }

  /** READY=1: call once HTTP listens. */
  ready(): Promise<void> {
    return this.#run('READY=1', () => this.#transport.ready());
  }

  /**
   * STATUS=text, sent at most once per interval with the latest text; a repeat of the
   * last text is dropped. A function is called only when it is time to send, so a busy
   * queue costs one count per interval, not one per change.
   */
  status(text: string | (() => string)): void {
    if (!this.enabled || this.#closed) return;
    this.#pending = text;
    this.#schedule();
  }

  /** One WATCHDOG=1 ping. */
  watchdog(): Promise<void> {
    return this.#run('WATCHDOG=1', () => this.#transport.send(['WATCHDOG=1']));
  }

  /**
   * Pings every WATCHDOG_USEC/2 when systemd asked for a watchdog meant for this
   * process (WATCHDOG_PID unset or ours). Returns the period in ms, or undefined.
   */
  startWatchdog(): number | undefined {
    if (!this.enabled || this.#closed || this.#watchdogTimer) return undefined;
    const usec = Number(this.#env.WATCHDOG_USEC);
    if (!Number.isFinite(usec) || usec <= 0) return undefined;
    const owner = this.#env.WATCHDOG_PID;
    if (owner && Number(owner) !== this.#pid) return undefined;
    const everyMs = Math.max(1, Math.floor(usec / 2000));
    void this.watchdog();
    // unref: the ping must never be what keeps a stopping process alive.
    this.#watchdogTimer = setInterval(() => void this.watchdog(), everyMs).unref();
    return everyMs;
  }

  /** STOPPING=1; a STATUS not yet sent is dropped. The watchdog keeps pinging until close(). */
  stopping(): Promise<void> {
    clearTimeout(this.#statusTimer);
    this.#statusTimer = undefined;
    this.#pending = undefined;
    return this.#run('STOPPING=1', () => this.#transport.send(['STOPPING=1']));
  }

  /** Stops the timers; nothing is sent afterwards. Safe to call twice. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#statusTimer);
    clearInterval(this.#watchdogTimer);
    this.#statusTimer = undefined;
    this.#watchdogTimer = undefined;
    this.#pending = undefined;
  }

  #schedule(): void {
    if (this.#statusTimer || this.#statusInFlight || this.#pending === undefined) return;
    const wait = this.#lastAt + this.#interval - performance.now();
    if (wait > 0) {
      this.#statusTimer = setTimeout(() => {
        this.#statusTimer = undefined;
        this.#schedule();
      }, wait).unref();
      return;
    }
    const pending = this.#pending;
    this.#pending = undefined;
    let text: string;
    try {
      text = typeof pending === 'function' ? pending() : pending;
    } catch (err) {
      this.#log.debug({ err }, 'status text failed (ignored)');
      return;
    }
    if (text === this.#lastText) return;
    this.#lastText = text;
    this.#lastAt = performance.now();
    this.#statusInFlight = true;
    void this.#run('STATUS', () => this.#transport.status(text)).then(() => {
      this.#statusInFlight = false;
      this.#schedule();
    });
  }

  async #run(what: string, send: () => Promise<void>): Promise<void> {
    if (!this.enabled) return;
    try {
      await send();
    } catch (err) {
      this.#log.debug({ err, what }, 'systemd notification failed (ignored)');
    }
  }
}
