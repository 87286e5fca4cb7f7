/**
 * What each URC does to a session: announce a stored or directly routed message, a USSD
 * reply or a call, update the registration, or re-initialise after a reset. What a URC means is urcs.ts.
 */
import type { EventEmitter } from 'node:events';
import type { Urc } from '../at/urc.js';
import { isSimState } from './state.js';
import type { SessionState } from './state.js';
import type { ModemStorage } from './storage.js';
import type { InitRequests, SessionLogger } from './traits.js';
import type { ModemSessionEvents } from './types.js';
import { interpretUrc } from './urcs.js';

/** Turns the URCs of the current link into session events, state changes and re-inits. */
export class UrcDispatcher {
  constructor(
    private readonly log: SessionLogger,
    private readonly status: SessionState,
    /** Its receive memory fills in a `+CMTI` that names no memory. */
    private readonly storage: Pick<ModemStorage, 'receiveMemory'>,
    private readonly init: InitRequests,
    private readonly events: Pick<EventEmitter<ModemSessionEvents>, 'emit'>,
  ) {}

  /** Handles one URC of the current link (the supervisor drops those of a lost link). */
  dispatch(urc: Urc): void {
    const { status, events } = this;
    events.emit('urc', urc);
    const driver = status.driver;
    const name = urc.name.toUpperCase();
    if (driver?.rebootUrcs?.some((n) => n.toUpperCase() === name)) return this.init.requestInit(`modem restarted (${urc.line})`);
    if (driver?.quirks.periodicUrcFlood && name === '^RSSI' && status.initialised) return this.init.requestInit('periodic URCs are back: settings lost');
    const effect = interpretUrc(urc, driver?.quirks ?? {}, this.storage.receiveMemory);
    switch (effect?.type) {
      case 'stored':
        events.emit('stored', { storage: effect.storage, index: effect.index, kind: effect.kind });
        break;
      case 'deliver':
        events.emit('deliver', effect.pdu);
        break;
      case 'status-report':
        events.emit('statusReport', effect.pdu);
        break;
      case 'registration':
        status.registrationChanged(effect.domain, effect.stat);
        break;
      case 'ussd':
        events.emit('ussd', effect.line);
        break;
      case 'call':
        events.emit('call', effect.signal);
        break;
      case 'sim-or-radio':
        // Unsolicited while initialised: the modem reset (docs/hardware.md#start-up-and-restarts). While the SIM
        // blocks: it may have become ready. During init: the SIM we are waiting for.
        if (status.initialised || isSimState(status.current)) this.init.requestInit(`unsolicited ${effect.line}`);
        break;
      case 'ignored':
        this.log.warn({ line: urc.line, reason: effect.reason }, 'URC ignored');
        break;
      default:
        break;
    }
  }
}
