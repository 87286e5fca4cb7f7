import type { Logger } from '../log.js';
import type { EventLog } from '../queue/sms-queue.js';
import type { ModemBoard, ModemHealth } from './modem-board.js';

/**
 * Turns modem health into `modem.state` events: one per change of state (ready, lost,
 * SIM problem, no network...), with signal and operator, and `recovered: true` when a
 * modem is ready again after something else. Signal updates alone make no event (they
 * come every few seconds). Returns the detach function.
 */
export function recordModemStates(modems: ModemBoard, events: EventLog, logger: Logger): () => void {
  const last = new Map<string, string>();
  const onModem = (h: ModemHealth): void => {
    const previous = last.get(h.name);
    if (previous === h.state) return;
    last.set(h.name, h.state);
    const data: Record<string, unknown> = { ...h, ...(previous !== undefined && { previous }), recovered: h.state === 'ready' && previous !== undefined && previous !== 'ready' };
    // Its own durable write; a full disk loses the state event, never an SMS.
    events.append('modem.state', data).catch((err: unknown) => logger.warn({ err, modem: h.name }, 'could not record a modem state event'));
  };
  modems.on('modem', onModem);
  return () => modems.off('modem', onModem);
}
