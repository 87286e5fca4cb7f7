/**
 * One health sample: `AT+CSQ`, `AT+CREG?` (then `AT+CEREG?` only when CS says "not
 * registered" on an LTE modem), `AT+COPS?`: three commands on a registered modem.
 */
import { isKatarError } from '../../errors.js';
import { isRegistered, parseCops, parseCsq, parseSolicitedRegistration, registrationFromStat } from '../network-status.js';
import type { Registration } from '../network-status.js';
import { simConditionFromError } from '../sim-status.js';
import type { Commands } from './traits.js';
import type { ModemHealthSample } from './types.js';

/** A sample plus what it says about registration and the SIM. */
export interface HealthResult {
  sample: ModemHealthSample;
  cs: number | undefined;
  eps: number | undefined;
  /** A command failed with a SIM error (CME 10-13): the modem reset or lost its card. */
  simLost: boolean;
}

/** Registration of the modem as a whole: registered if either domain is. */
export function combinedRegistration(cs: number | undefined, eps: number | undefined): Registration {
  const a = registrationFromStat(cs);
  const b = registrationFromStat(eps);
  if (isRegistered(a)) return a;
  if (isRegistered(b)) return b;
  return cs === undefined && eps !== undefined ? b : a;
}

/** Takes one sample; errors other than a closed link only blank the affected field. */
export async function sampleHealth(phase: Pick<Commands, 'cmd'>, lte: boolean, now: () => Date = () => new Date()): Promise<HealthResult> {
  let simLost = false;
  const run = async (command: string): Promise<string | undefined> => {
    try {
      const res = await phase.cmd(command);
      const name = command.replace(/^AT/i, '').replace(/[?=].*$/, '').toUpperCase();
      return res.lines.find((l) => l.toUpperCase().startsWith(name));
    } catch (err) {
      // Cancellation and a lost link end the sample; a command's own failure only blanks a field.
      if (!isKatarError(err) || err.code === 'MODEM_CLOSED') throw err;
      const cond = simConditionFromError(err);
      if (cond !== undefined && cond !== 'busy') simLost = true;
      return undefined;
    }
  };
  const csq = await run('AT+CSQ');
  const creg = await run('AT+CREG?');
  const cs = creg === undefined ? undefined : parseSolicitedRegistration(creg);
  let eps: number | undefined;
  if (lte && !isRegistered(registrationFromStat(cs))) {
    const cereg = await run('AT+CEREG?');
    eps = cereg === undefined ? undefined : parseSolicitedRegistration(cereg);
  }
  const cops = await run('AT+COPS?');
  const sample: ModemHealthSample = { registration: combinedRegistration(cs, eps), at: now() };
  const dbm = csq === undefined ? undefined : parseCsq(csq);
  if (dbm !== undefined) sample.signalDbm = dbm;
  const operator = cops === undefined ? undefined : parseCops(cops);
  if (operator !== undefined) sample.operator = operator;
  return { sample, cs, eps, simLost };
}
