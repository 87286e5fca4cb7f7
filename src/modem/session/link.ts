/**
 * One opened port with its AT engine, and the command runner every part of a session uses:
 * it counts consecutive timeouts (three mean the modem went silent, which ends the link)
 * and stops an init or a poll that was cancelled meanwhile. A `Phase` binds it to one link
 * and one phase signal: the PhaseTools (traits.ts) that init and loops take.
 */
import { KatarError, isKatarError } from '../../errors.js';
import type { AtEngine, AtResponse, SendOptions } from '../at/engine.js';
import { Cancelled, sleep } from '../backoff.js';
import type { ModemPort } from '../port.js';
import type { PhaseTools, SessionLogger } from './traits.js';

/** An opened port and its engine; `lost` once closed or silent. */
export interface Link {
  port: ModemPort;
  engine: AtEngine;
  lost: boolean;
  /** Inits run on this link so far (the first one flushes with ESC). */
  inits: number;
  /** Ended because the modem stopped answering (not a closed port): the healing ladder's cue. */
  silent?: boolean;
}

/** Consecutive plain-command timeouts that make a modem "silent" (the default of `healing.silentAfter`). */
export const SILENT_AFTER = 3;

/** Runs commands on a link for one session. */
export class LinkCommands {
  private timeouts = 0;

  constructor(
    private readonly name: string,
    private readonly log: SessionLogger,
    /** Called once the modem is declared silent; must end the link. */
    private readonly onSilent: (link: Link, reason: string) => void,
    /** Timeouts in a row that declare the modem silent. */
    private readonly silentAfter = SILENT_AFTER,
  ) {}

  /** Commands in a row the modem let time out (0 once it answers one): a modem in doubt. */
  get unanswered(): number {
    return this.timeouts;
  }

  /** The modem answered something (e.g. a submit's result): not silent. */
  answered(): void {
    this.timeouts = 0;
  }

  /**
   * Sends a plain command. Throws Cancelled when `signal` aborted before or during it,
   * MODEM_CLOSED once the link is gone (or has just been declared silent).
   */
  async cmd(link: Link, signal: AbortSignal | undefined, command: string, opts?: SendOptions): Promise<AtResponse> {
    if (signal?.aborted) throw new Cancelled();
    if (link.lost) throw new KatarError('MODEM_CLOSED', `modem ${this.name} is disconnected`, { command });
    try {
      const res = await link.engine.send(command, opts);
      this.timeouts = 0;
      if (signal?.aborted) throw new Cancelled();
      return res;
    } catch (err) {
      if (isKatarError(err, 'MODEM_TIMEOUT') && ++this.timeouts >= this.silentAfter) {
        link.silent = true;
        this.onSilent(link, `modem silent (${this.silentAfter} timeouts)`);
        throw new KatarError('MODEM_CLOSED', `modem ${this.name} went silent`, { command }, { cause: err });
      }
      if (isKatarError(err) && err.code !== 'MODEM_TIMEOUT' && err.code !== 'MODEM_CLOSED') this.timeouts = 0;
      throw err;
    }
  }

  /** Like `cmd`, but the modem's refusal (ERROR, CME, CMS, a timeout) gives undefined. */
  async tryCmd(link: Link, signal: AbortSignal | undefined, command: string, opts?: SendOptions): Promise<AtResponse | undefined> {
    try {
      return await this.cmd(link, signal, command, opts);
    } catch (err) {
      if (err instanceof Cancelled || !isKatarError(err) || err.code === 'MODEM_CLOSED') throw err;
      this.log.debug({ command, code: err.code, errorCode: err.details?.errorCode }, 'optional command failed');
      return undefined;
    }
  }

  /** The tools of one phase on `link`, ending when `signal` aborts. */
  phase(link: Link, signal: AbortSignal): Phase {
    return new Phase(this, link, signal, this.log);
  }

  /** Runs `AT` watching the raw bytes: an `AT\r` coming back means echo is still on. */
  async echoOn(link: Link, signal: AbortSignal | undefined): Promise<boolean> {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString('latin1');
    };
    link.port.on('data', onData);
    try {
      await this.tryCmd(link, signal, 'AT');
    } finally {
      link.port.off('data', onData);
    }
    return /(^|[\r\n])AT\r/i.test(seen);
  }
}

/** Commands, sleep and log for one phase on one link; everything rejects once `signal` aborts. */
export class Phase implements PhaseTools {
  constructor(
    private readonly commands: LinkCommands,
    readonly link: Link,
    readonly signal: AbortSignal,
    readonly log: SessionLogger,
  ) {}

  cmd(command: string, opts?: SendOptions): Promise<AtResponse> {
    return this.commands.cmd(this.link, this.signal, command, opts);
  }

  tryCmd(command: string, opts?: SendOptions): Promise<AtResponse | undefined> {
    return this.commands.tryCmd(this.link, this.signal, command, opts);
  }

  sleep(ms: number): Promise<void> {
    return sleep(ms, this.signal);
  }

  /** Runs `AT` and tells whether the modem echoed it (echo still on). */
  echoOn(): Promise<boolean> {
    return this.commands.echoOn(this.link, this.signal);
  }

  /** Raw bytes to the port (the ESC flush), bypassing the engine. */
  writeRaw(data: string): Promise<void> {
    return this.link.port.write(data);
  }

  /** True on the first init on this link (a freshly opened port). */
  get fresh(): boolean {
    return this.link.inits === 0;
  }
}
