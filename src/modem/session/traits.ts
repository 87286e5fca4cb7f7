/**
 * The small traits the parts of a session share, defined once: run a command on the
 * modem, sleep, log, ask for a re-init. Each part names the traits it uses; a `Phase`
 * (link.ts) provides the first three for one link and one phase of the session.
 */
import type { AtResponse, SendOptions } from '../at/engine.js';

/** A pino-like logger (the session's child logger). */
export interface SessionLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Runs AT commands on the modem. */
export interface Commands {
  /** Sends a command; throws on error. Timeouts count towards "modem silent". */
  cmd(command: string, opts?: SendOptions): Promise<AtResponse>;
  /** Like `cmd`, but an ERROR / CME / CMS / timeout answer gives undefined. */
  tryCmd(command: string, opts?: SendOptions): Promise<AtResponse | undefined>;
}

/** Waits within a phase. */
export interface Sleeper {
  /** Sleeps `ms`; rejects with Cancelled (../backoff.ts) when the phase ends first. */
  sleep(ms: number): Promise<void>;
}

/** Writes to the session's log. */
export interface Logs {
  readonly log: SessionLogger;
}

/**
 * What one phase of a session (an init and the loop that follows it) works with: commands,
 * sleep and log, bound to one link; everything ends when `signal` aborts.
 */
export interface PhaseTools extends Commands, Sleeper, Logs {
  /** Aborts when the link is lost or another init is wanted. */
  readonly signal: AbortSignal;
}

/** Asks the session to initialise the modem again on the same link. */
export interface InitRequests {
  requestInit(reason: string): void;
}
