/**
 * The settings a session is built with, defaults beside each field. Given once to the
 * `ModemSession` constructor (session.ts) and read by the parts it delegates to.
 */
import type { ModemDriver } from '../driver.js';
import type { ModemPortFactory } from '../port.js';
import type { HealingOptions } from './healing-ladder.js';
import type { SessionLogger } from './traits.js';

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
  /**
   * The healing ladder for a modem that stops answering (healing-ladder.ts): reopen,
   * `AT+CFUN=1,1`, USB re-bind, failed with backoff. Absent: a silent modem is only
   * reopened, with the reconnect backoff (what `katar-sms probe` wants: it never reboots).
   */
  healing?: HealingOptions;
  logger?: SessionLogger;
}
