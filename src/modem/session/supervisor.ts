/**
 * The connection loop of a session: open the port, run an init whenever one is wanted, and
 * when the link is lost (port closed, modem silent) wait with exponential backoff and open
 * again, forever, until `close()`. Each init runs under a phase signal of its own, aborted
 * when the link is lost or another init is wanted, so nothing it started outlives it.
 */
import { AtEngine } from './at/engine.js';
import type { Urc } from './at/urc.js';
import { sleep } from './backoff.js';
import type { Backoff } from './backoff.js';
import { errorText } from './error-text.js';
import type { ModemPort } from './port.js';
import type { Link } from './session-link.js';
import type { ModemSessionOptions } from './session-options.js';
import type { SessionLogger } from './session-sim.js';
import type { ModemState } from './session-types.js';

const noop = (): void => {};

/** What the connection loop needs from its session. */
export interface SupervisorHost {
  /** `openPort()` opens the port; the drivers' URC specs go to every engine. */
  readonly opts: Pick<ModemSessionOptions, 'openPort' | 'drivers'>;
  readonly log: SessionLogger;
  /** Delays between reconnects; the init resets it once the modem answers. */
  readonly backoff: Backoff;
  setState(state: ModemState, detail: string | undefined): void;
  /** A link was opened: no command on it has timed out yet. */
  linkOpened(): void;
  /** The current link is gone: nothing is initialised any more. */
  linkLost(): void;
  /** Runs one init on `link`; `signal` aborts when the link is lost or another init is wanted. */
  runInit(link: Link, signal: AbortSignal): Promise<void>;
  /** A URC of the current link. */
  urc(urc: Urc): void;
}

/** Owns a session's link: opens it, re-opens it after a loss, and sequences its inits. */
export class LinkSupervisor {
  private readonly closing = new AbortController();
  private phase = new AbortController();
  private current: Link | undefined;
  private initWanted = false;
  private wake: (() => void) | undefined;
  private started = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly host: SupervisorHost) {}

  /** The open link, if any. */
  get link(): Link | undefined {
    return this.current;
  }

  /** Starts the loop; resolves once the first connect attempt is over. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    let firstDone = noop;
    const first = new Promise<void>((resolve) => (firstDone = resolve));
    this.loop = this.supervise(() => firstDone()).catch((err: unknown) => this.host.log.error({ err }, 'session supervisor failed'));
    await first;
  }

  /**
   * Stops the loop and closes the port. `closed` runs once the port is closed, before the
   * loop is woken to end; the promise resolves when the loop has ended.
   */
  async close(closed: () => void): Promise<void> {
    if (this.closing.signal.aborted) return;
    this.closing.abort();
    this.phase.abort();
    const link = this.current;
    this.current = undefined;
    if (link) {
      link.lost = true;
      await link.engine.close().catch(noop);
    }
    closed();
    this.wake?.();
    await this.loop;
  }

  /** Ends `link` (port closed, modem silent); the loop reconnects after a backoff. */
  lose(link: Link, reason: string): void {
    if (link.lost) return;
    link.lost = true;
    this.phase.abort();
    this.host.linkLost();
    if (this.current === link) this.current = undefined;
    void link.engine.close().catch(noop);
    if (!this.closing.signal.aborted) {
      this.host.log.warn({ reason }, 'modem lost');
      this.host.setState('disconnected', reason);
    }
    this.wake?.();
  }

  /** Re-initialise on the same link (boot URC, lost settings, SIM change). */
  requestInit(reason: string): void {
    if (!this.current || this.closing.signal.aborted) return;
    this.host.log.info({ reason }, 're-initialising');
    this.initWanted = true;
    this.phase.abort();
    this.wake?.();
  }

  private async supervise(firstDone: () => void): Promise<void> {
    while (!this.closing.signal.aborted) {
      const link = await this.open();
      if (link) await this.serve(link, firstDone);
      firstDone();
      if (this.closing.signal.aborted) return;
      const delay = this.host.backoff.next();
      this.host.log.info({ delayMs: delay }, 'reconnecting after backoff');
      await sleep(delay, this.closing.signal).catch(noop);
    }
  }

  private async open(): Promise<Link | undefined> {
    this.host.setState('connecting', undefined);
    let port: ModemPort;
    try {
      port = await this.host.opts.openPort();
    } catch (err) {
      this.host.log.warn({ err }, 'cannot open the modem port');
      this.host.setState('disconnected', `open failed: ${errorText(err)}`);
      return undefined;
    }
    if (this.closing.signal.aborted) {
      await port.close().catch(noop);
      return undefined;
    }
    const urcs = this.host.opts.drivers.flatMap((d) => d.urcs ?? []);
    const engine = new AtEngine(port, { urcs, logger: this.host.log });
    const link: Link = { port, engine, lost: false, inits: 0 };
    engine.on('close', (err) => this.lose(link, err ? `port closed: ${err.message}` : 'port closed'));
    engine.on('urc', (urc) => {
      if (link === this.current) this.host.urc(urc);
    });
    engine.on('boot', (urc) => {
      if (link === this.current) this.requestInit(`modem restarted (${urc.line})`);
    });
    engine.on('noise', (text, reason) => this.host.log.debug({ text, reason }, 'modem noise ignored'));
    this.current = link;
    this.host.linkOpened();
    return link;
  }

  /** Runs inits on `link` whenever one is wanted; returns when the link is lost. */
  private async serve(link: Link, firstDone: () => void): Promise<void> {
    this.initWanted = true;
    while (!link.lost && !this.closing.signal.aborted) {
      if (this.initWanted) {
        this.initWanted = false;
        await this.host.runInit(link, this.nextPhase());
        firstDone();
        continue;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  /** Aborts the previous phase and starts the next one. */
  private nextPhase(): AbortSignal {
    this.phase.abort();
    this.phase = new AbortController();
    return this.phase.signal;
  }
}
