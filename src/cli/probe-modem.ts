/**
 * What `katar-sms probe` does with a modem: start a session far enough to identify it
 * (the same start-up as the gateway, so the same driver is matched and the same quirks
 * apply), take one health sample, ask for the SMSC and the storage use, and close.
 */
import { isKatarError } from '../errors.js';
import type { ModemDriver } from '../modem/driver.js';
import { errorText } from '../modem/error-text.js';
import { parseCsq } from '../modem/network-status.js';
import type { ModemPortFactory } from '../modem/port.js';
import { ModemSession } from '../modem/session/session.js';
import type { ModemIdentity, ModemState } from '../modem/session/types.js';
import { parseCpmsRead, parseCsca, type StorageUse } from './probe-answers.js';

/** How to reach the modem and how long to wait for it. */
export interface ProbeOptions {
  openPort: ModemPortFactory;
  drivers: readonly ModemDriver[];
  /** Entered only when the SIM asks for it, at most once. */
  pin?: string;
  timeoutMs: number;
}

/** Everything the probe learnt; fields stay undefined when the modem did not tell. */
export interface ProbeReport {
  /** True once the modem identified itself. */
  answered: boolean;
  state: ModemState;
  /** Why the session is in `state` (the SIM problem, the failed init...). */
  detail?: string;
  /** The port could not be opened (no such device, permission, in use). */
  openError?: string;
  identity?: ModemIdentity;
  driver?: string;
  signalDbm?: number;
  registration?: string;
  operator?: string;
  /** The SMSC stored on the SIM; null when the modem says none is stored. */
  smsc?: string | null;
  storage?: StorageUse[];
}

const INITIALISED: ReadonlySet<ModemState> = new Set(['ready', 'not-registered']);
const QUERY_TIMEOUT_MS = 5_000;

/** Probes one modem; resolves (never rejects for the modem's own failures) with what it found. */
export async function probeModem(opts: ProbeOptions): Promise<ProbeReport> {
  const deadline = performance.now() + opts.timeoutMs;
  let openError: string | undefined;
  let detail: string | undefined;
  const session = new ModemSession({
    name: 'probe',
    openPort: async () => {
      try {
        return await opts.openPort();
      } catch (err) {
        openError ??= errorText(err);
        throw err;
      }
    },
    drivers: opts.drivers,
    ...(opts.pin !== undefined && { pin: opts.pin }),
    // The probe watches the first connection only; retries would just spin until the deadline.
    reconnect: { initialDelayMs: 500, maxDelayMs: 2_000 },
  });
  session.on('state', (_state, d) => (detail = d));
  try {
    void session.start();
    // Identified (initialised or stopped at the SIM), or the port cannot even be opened.
    await until(session, () => session.identity !== undefined || openError !== undefined, deadline - performance.now());
    const report: ProbeReport = { answered: session.identity !== undefined, state: session.state };
    if (session.identity) report.identity = session.identity;
    if (session.driverName) report.driver = session.driverName;
    if (openError !== undefined) report.openError = openError;
    else if (detail !== undefined) report.detail = detail;
    if (!report.answered) return report;
    if (INITIALISED.has(session.state)) {
      await until(session, () => session.lastHealth !== undefined, Math.max(deadline - performance.now(), 0));
      const h = session.lastHealth;
      if (h?.signalDbm !== undefined) report.signalDbm = h.signalDbm;
      if (h?.registration) report.registration = h.registration;
      if (h?.operator) report.operator = h.operator;
      const csca = await query(session, 'AT+CSCA?');
      if (csca !== undefined) report.smsc = csca === null ? null : (parseCsca(csca) ?? null);
      const cpms = await query(session, 'AT+CPMS?');
      if (cpms) report.storage = parseCpmsRead(cpms);
    } else {
      // Stopped at the SIM: the radio's signal still tells "no coverage" from "no SIM".
      const csq = await query(session, 'AT+CSQ');
      const line = csq?.find((l) => /^\+CSQ/i.test(l));
      const dbm = line === undefined ? undefined : parseCsq(line);
      if (dbm !== undefined) report.signalDbm = dbm;
    }
    return report;
  } finally {
    await session.close();
  }
}

/** Lines of the answer; null when the modem refused (CMS 330: no SMSC); undefined when it could not say. */
async function query(session: ModemSession, command: string): Promise<string[] | null | undefined> {
  try {
    return (await session.query(command, { timeoutMs: QUERY_TIMEOUT_MS })).lines;
  } catch (err) {
    if (isKatarError(err, 'CMS_ERROR', 'CME_ERROR') && err.details?.errorCode === 330) return null;
    return undefined;
  }
}

/** Resolves true once `done()` holds (checked on every state and health event), false after `ms`. */
function until(session: ModemSession, done: () => boolean, ms: number): Promise<boolean> {
  if (done()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const finish = (value: boolean): void => {
      clearTimeout(timer);
      session.off('state', check);
      session.off('health', check);
      resolve(value);
    };
    const check = (): void => {
      if (done()) finish(true);
    };
    const timer = setTimeout(() => finish(done()), Math.max(ms, 0));
    session.on('state', check);
    session.on('health', check);
  });
}
