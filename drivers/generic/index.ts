/**
 * The generic 3GPP TS 27.005 / 27.007 driver: matches anything and is tried last. It adds
 * nothing to the standard init; its only quirk is tolerance the standard does not promise.
 */
import type { ModemDriver } from '../../src/modem/driver.js';

/** Any modem that speaks plain 27.005/27.007 (Wavecom, Telit, Cinterion, ZTE, u-blox...). */
export const genericDriver: ModemDriver = {
  name: 'generic',
  matches: () => true,
  quirks: {
    // Unknown firmware may be a Wavecom MULTIBAND or Sierra SL8084 that answers AT+CPIN?
    // without OK (gammu F_CPIN_NO_OK); ending on the +CPIN line costs nothing elsewhere.
    cpinWithoutOk: true,
  },
};
