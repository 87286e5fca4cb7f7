import type { Logger } from '../log.js';
import type { EventLog } from '../queue/sms-queue.js';
import type { ModemBoard, ModemHealth } from './modem-board.js';

/**
 * Turns modem health into `modem.state` events: one per change of state (ready, lost,
 * SIM problem, no network...) or of healing step, with signal and operator, and
 * `recovered: true` when a modem is ready again after something else; one with
 * `simChanged: true` when another SIM is found in it. Signal updates alone make no event
 * (they come every few seconds). Returns the detach function.
 */
export function recordModemStates(modems: ModemBoard, events: EventLog, logger: Logger): () => void {
  const last = new Map<string, { state: string; recovery: string | undefined }>();
  const onModem = (h: ModemHealth): void => {
    const before = last.get(h.name);
    const simChanged = h.previousIccid !== undefined;
    if (before?.state === h.state && before.recovery === h.recovery && !simChanged) return;
    last.set(h.name, { state: h.state, recovery: h.recovery });
    const previous = before?.state;
    const data: Record<string, unknown> = { ...h, ...(previous !== undefined && { previous }), recovered: h.state === 'ready' && previous !== undefined && previous !== 'ready', ...(simChanged && { simChanged }) };
    // Its own durable write; a full disk loses the state event, never an SMS.
    events.append('modem.state', data).catch((err: unknown) => logger.warn({ err, modem: h.name }, 'could not record a modem state event'));
  };
  modems.on('modem', onModem);
  return () => modems.off('modem', onModem);
}
