/**
 * The connection loop of a session: open the port, run an init whenever one is wanted, and
 * when the link is lost wait with exponential backoff and open again, forever, until
 * `close()`. A modem that went silent (rather than a port that closed) goes up the
 * healing ladder instead when the session has one (healing-ladder.ts). Each init runs
 * under a phase signal of its own, aborted when the link is lost or another init is
 * wanted, so nothing it started outlives it.
 */
import type { EventEmitter } from 'node:events';
import { AtEngine } from '../at/engine.js';
import type { Urc } from '../at/urc.js';
import { Backoff, sleep } from '../backoff.js';
import { errorText } from '../error-text.js';
import type { ModemPort } from '../port.js';
import { Healer, type RecoveryStatus } from './healing-ladder.js';
import { LinkCommands } from './link.js';
import type { Link } from './link.js';
import type { ModemSessionOptions } from './options.js';
import { isSimState, type SessionState } from './state.js';
import type { InitRequests, SessionLogger } from './traits.js';
import type { ModemSessionEvents } from './types.js';

const noop = (): void => {};

/** What runs on each link: the inits (runner.ts) and the URC handling (urc-dispatch.ts). */
export interface LinkWork {
  /** Runs one init on `link`; `signal` aborts when the link is lost or another init is wanted. */
  init: { run(link: Link, signal: AbortSignal): Promise<void> };
  /** Handles a URC of the current link. */
  urcs: { dispatch(urc: Urc): void };
}

/** Owns a session's link: opens it, re-opens it after a loss, and sequences its inits. */
export class LinkSupervisor implements InitRequests {
  /** The command runner of every link; declares the modem silent after three timeouts. */
  readonly commands: LinkCommands;
  /** Delays between reconnects; reset once the modem answers. */
  private readonly backoff: Backoff;
  private readonly closing = new AbortController();
  private phase = new AbortController();
  private current: Link | undefined;
  private initWanted = false;
  private wake: (() => void) | undefined;
  private work: LinkWork | undefined;
  private loop: Promise<void> | undefined;
  /** The healing ladder; absent without `opts.healing`. */
  private readonly healer: Healer | undefined;

  constructor(
    /** `openPort()` opens the port; the drivers' URC specs go to every engine. */
    private readonly opts: Pick<ModemSessionOptions, 'name' | 'openPort' | 'drivers' | 'reconnect' | 'healing'>,
    private readonly log: SessionLogger,
    private readonly status: SessionState,
    /** Where healing steps are announced (`recovery`). */
    events?: Pick<EventEmitter<ModemSessionEvents>, 'emit'>,
  ) {
    this.commands = new LinkCommands(opts.name, log, (link, reason) => this.lose(link, reason), opts.healing?.silentAfter);
    this.backoff = new Backoff(opts.reconnect?.initialDelayMs ?? 1_000, opts.reconnect?.maxDelayMs ?? 60_000);
    if (opts.healing) {
      this.healer = new Healer(opts.healing, {
        openPort: opts.openPort,
        log,
        signal: this.closing.signal,
        markFailed: (detail) => status.set('failed', detail),
        announce: (s) => events?.emit('recovery', s),
      });
    }
  }

  /** The open link, if any. */
  get link(): Link | undefined {
    return this.current;
  }

  /** The healing step in progress, until the modem answers again. */
  get recovery(): RecoveryStatus | undefined {
    return this.healer?.current;
  }

  /** Healing steps taken since start, by step; undefined without healing. */
  get recoveries(): Readonly<Record<string, number>> | undefined {
    return this.healer?.ladder.counts;
  }

  /** Starts the loop running `work` on each link; resolves once the first connect attempt is over. */
  async start(work: LinkWork): Promise<void> {
    if (this.work) return;
    this.work = work;
    let firstDone = noop;
    const first = new Promise<void>((resolve) => (firstDone = resolve));
    this.loop = this.supervise(work, () => firstDone()).catch((err: unknown) => this.log.error({ err }, 'session supervisor failed'));
    await first;
  }

  /**
   * Stops the loop and closes the port. The state moves to `closed` once the port is
   * closed, before the loop is woken to end; the promise resolves when the loop has ended.
   */
  async close(): Promise<void> {
    if (this.closing.signal.aborted) return;
    this.closing.abort();
    this.phase.abort();
    const link = this.current;
    this.current = undefined;
    if (link) {
      link.lost = true;
      await link.engine.close().catch(noop);
    }
    this.status.close();
    this.wake?.();
    await this.loop;
  }

  /** Ends `link` (port closed, modem silent); the loop reconnects after a backoff. */
  lose(link: Link, reason: string): void {
    if (link.lost) return;
    link.lost = true;
    this.phase.abort();
    this.healer?.linkEnded(this.status.initialised || isSimState(this.status.current));
    this.status.linkLost();
    if (this.current === link) this.current = undefined;
    void link.engine.close().catch(noop);
    if (!this.closing.signal.aborted) {
      this.log.warn({ reason }, 'modem lost');
      this.status.set('disconnected', reason);
    }
    this.wake?.();
  }

  /** Re-initialise on the same link (boot URC, lost settings, SIM change). */
  requestInit(reason: string): void {
    if (!this.current || this.closing.signal.aborted) return;
    this.log.info({ reason }, 're-initialising');
    this.initWanted = true;
    this.phase.abort();
    this.wake?.();
  }

  /** The modem answered on the current link: reconnects start from the shortest delay again. */
  modemAnswered(): void {
    this.backoff.reset();
    this.healer?.answered();
    this.status.modemAnswered();
  }

  private async supervise(work: LinkWork, firstDone: () => void): Promise<void> {
    while (!this.closing.signal.aborted) {
      const link = await this.open(work);
      if (link) await this.serve(link, work, firstDone);
      firstDone();
      if (this.closing.signal.aborted) return;
      if (link?.silent && this.healer) {
        await this.healer.heal(this.opts.reconnect?.initialDelayMs ?? 1_000);
        continue;
      }
      const delay = this.backoff.next();
      this.log.info({ delayMs: delay }, 'reconnecting after backoff');
      await sleep(delay, this.closing.signal).catch(noop);
    }
  }

  private async open(work: LinkWork): Promise<Link | undefined> {
    this.status.set('connecting', undefined);
    let port: ModemPort;
    try {
      port = await this.opts.openPort();
    } catch (err) {
      this.log.warn({ err }, 'cannot open the modem port');
      this.status.set('disconnected', `open failed: ${errorText(err)}`);
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
    engine.on('urc', (urc) => {
      if (link === this.current) work.urcs.dispatch(urc);
    });
    engine.on('boot', (urc) => {
      if (link === this.current) this.requestInit(`modem restarted (${urc.line})`);
    });
    engine.on('noise', (text, reason) => this.log.debug({ text, reason }, 'modem noise ignored'));
    this.current = link;
    this.commands.answered();
    return link;
  }

  /** Runs inits on `link` whenever one is wanted; returns when the link is lost. */
  private async serve(link: Link, work: LinkWork, firstDone: () => void): Promise<void> {
    this.initWanted = true;
    while (!link.lost && !this.closing.signal.aborted) {
      if (this.initWanted) {
        this.initWanted = false;
        await work.init.run(link, this.nextPhase());
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
