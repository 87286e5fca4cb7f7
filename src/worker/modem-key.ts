import type { ModemIdentity } from '../modem/session/types.js';

/**
 * The identity of a sending modem that status reports are matched by: its configured
 * name and the SIM it carries (IMSI, else ICCID, else the modem's IMEI). It survives
 * gateway restarts and a modem that comes back as another ttyUSB; two modems on one
 * queue never share it, so their references (each 0-255 on its own) cannot collide.
 */
export function modemKey(name: string, identity: ModemIdentity | undefined): string {
  const sim = identity?.imsi || identity?.iccid || identity?.imei || '';
  return sim === '' ? name : `${name}:${sim}`;
}
