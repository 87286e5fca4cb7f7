/**
 * What each URC does to a session: announce a stored or directly routed message, update
 * the registration, or re-initialise after a reset. What a URC means is session-urcs.ts.
 */
import type { EventEmitter } from 'node:events';
import type { Urc } from './at/urc.js';
import type { ModemDriver } from './driver.js';
import type { SessionLogger } from './session-sim.js';
import { isSimState } from './session-state.js';
import type { SessionState } from './session-state.js';
import type { ModemSessionEvents } from './session-types.js';
import { interpretUrc } from './session-urcs.js';

/** What URC dispatch needs from the session. */
export interface UrcHost {
  readonly log: SessionLogger;
  readonly status: SessionState;
  readonly events: Pick<EventEmitter<ModemSessionEvents>, 'emit'>;
  /** The driver in use; undefined before identification. */
  driver(): ModemDriver | undefined;
  /** mem3, for a `+CMTI` that names no memory. */
  receiveMemory(): string | undefined;
  requestInit(reason: string): void;
}

/** Handles one URC of the current link (the caller drops those of a lost link). */
export function dispatchUrc(host: UrcHost, urc: Urc): void {
  host.events.emit('urc', urc);
  const driver = host.driver();
  const name = urc.name.toUpperCase();
  if (driver?.rebootUrcs?.some((n) => n.toUpperCase() === name)) return host.requestInit(`modem restarted (${urc.line})`);
  if (driver?.quirks.periodicUrcFlood && name === '^RSSI' && host.status.initialised) return host.requestInit('periodic URCs are back: settings lost');
  const effect = interpretUrc(urc, driver?.quirks ?? {}, host.receiveMemory());
  switch (effect?.type) {
    case 'stored':
      host.events.emit('stored', { storage: effect.storage, index: effect.index, kind: effect.kind });
      break;
    case 'deliver':
      host.events.emit('deliver', effect.pdu);
      break;
    case 'status-report':
      host.events.emit('statusReport', effect.pdu);
      break;
    case 'registration':
      if (effect.domain === 'cs') host.status.cs = effect.stat;
      else host.status.eps = effect.stat;
      host.status.updateRegistration();
      break;
    case 'sim-or-radio':
      // Unsolicited while initialised: the modem reset (docs/hardware.md#start-up-and-restarts). While the SIM
      // blocks: it may have become ready. During init: the SIM we are waiting for.
      if (host.status.initialised || isSimState(host.status.current)) host.requestInit(`unsolicited ${effect.line}`);
      break;
    case 'ignored':
      host.log.warn({ line: urc.line, reason: effect.reason }, 'URC ignored');
      break;
    default:
      break;
  }
}
