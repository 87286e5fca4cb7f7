/**
 * Two faults from the field that take more than one switch of the simulated modem:
 *
 * - a hang: the modem reads every line (still recorded in `commands`) and answers none,
 *   until `AT+CFUN=1,1` restarts it, or never (the modem that only a power cut revives).
 *   smstools3 FAQ: "My GSM modem hangs often"; gammu resets Sony Ericsson GC79/GC85 with
 *   `AT+CFUN=1,1` when they answer nothing useful;
 * - a SIM swap: another card (IMSI, ICCID, PIN) in the same modem, read at its restart,
 *   as most modems only look at the SIM at power-on.
 */
import type { SimulatedModem } from './sim-modem.js';

/** What ends a hang: `AT+CFUN=1,1`, or nothing (only `clearHang` or `replug`). */
export type HangUntil = 'cfun' | 'never';

const hangs = new WeakMap<SimulatedModem, () => void>();

/**
 * Hangs `sim`. With `until: 'cfun'` (the default) the line `AT+CFUN=1,1` ends the hang as it
 * arrives, so the modem then runs it and restarts (OK first, then its boot URCs).
 */
export function hang(sim: SimulatedModem, until: HangUntil = 'cfun'): void {
  clearHang(sim);
  sim.setSilent(true);
  const onCommand = (line: string): void => {
    if (until !== 'cfun' || !/^AT\+CFUN=1,1$/i.test(line.replace(/\s+/g, ''))) return;
    // The interpreter checks `silent` after recording the line: it runs this one.
    clearHang(sim);
  };
  const onReplug = (): void => clearHang(sim);
  sim.on('command', onCommand);
  sim.on('replug', onReplug);
  hangs.set(sim, () => {
    sim.off('command', onCommand);
    sim.off('replug', onReplug);
    sim.setSilent(false);
  });
}

/** Ends a hang (if any); the modem answers again without a restart. */
export function clearHang(sim: SimulatedModem): void {
  const undo = hangs.get(sim);
  hangs.delete(sim);
  undo?.();
}

/** True while `sim` hangs. */
export function isHung(sim: SimulatedModem): boolean {
  return hangs.has(sim);
}

/** The card put in by {@link swapSim}; unset fields are made from the old card's. */
export interface NewSimCard {
  imsi?: string;
  iccid?: string;
  /** The new card's PIN; default none. */
  pin?: string;
}

/**
 * Puts another SIM into `sim` and restarts it (boot URCs on the open link), as a person
 * swapping the card with the power off would. Returns the new IMSI and ICCID.
 */
export function swapSim(sim: SimulatedModem, card: NewSimCard = {}): { imsi: string; iccid: string } {
  const c = sim.simCard;
  c.imsi = card.imsi ?? bumpTail(c.imsi);
  c.iccid = card.iccid ?? bumpTail(c.iccid);
  c.pin = card.pin;
  c.pinFailures = 0;
  c.pukRequired = false;
  c.fault = 'none';
  sim.reboot();
  return { imsi: c.imsi, iccid: c.iccid };
}

/** The same identifier with its last six digits counted up by one (a padding F kept). */
function bumpTail(id: string): string {
  const m = /^(.*?)(\d{1,6})(F?)$/i.exec(id);
  if (!m) return `${id}1`;
  const digits = m[2]!;
  const next = String((Number(digits) + 1) % 10 ** digits.length).padStart(digits.length, '0');
  return `${m[1]}${next}${m[3]}`;
}
