/**
 * Huawei E-series sticks (E173, E303, E3131, E3372 in "stick" mode) and MU-series modules
 * (MU509, MU609, MG323). HiLink firmware (12d1:14dc) speaks no AT and is not supported.
 */
import { identityMatches } from '../../src/modem/driver.js';
import type { ModemDriver } from '../../src/modem/driver.js';

/** Huawei (`AT+CGMI` → `huawei` or `Vodafone (Huawei)`). */
export const huaweiDriver: ModemDriver = {
  name: 'huawei',
  matches: (id) => identityMatches(id, /huawei/i),
  usb: [
    { vendorId: '12d1', productId: '1001', note: 'E-series, modem mode after usb_modeswitch' },
    { vendorId: '12d1', productId: '1506', note: 'E3372 / E3131 stick mode' },
    { vendorId: '12d1', productId: '1436', note: 'E173 / E1750' },
    { vendorId: '12d1', productId: '155e', note: 'Vodafone (Huawei) stick' },
  ],
  urcs: [
    // Notices ModemManager's huawei plugin ignores, beyond the engine's built-in list.
    { name: '^EONS', match: 'prefix' },
    { name: '^LWURC', match: 'prefix' },
    { name: '^DSDORMANT', match: 'prefix' },
    { name: '^RFSWITCH', match: 'prefix' },
    { name: '^PDPDEACT', match: 'prefix' },
    { name: '^NDISEND', match: 'prefix' },
    { name: '^ECCLIST', match: 'prefix' },
    { name: '^LTERSRP', match: 'prefix' },
    { name: '^CCALLSTATE', match: 'prefix' },
    { name: '+CUSATP', match: 'prefix' },
    { name: '+CUSATEND', match: 'prefix' },
  ],
  initCommands: [
    // gammu F_HUAWEI_INIT and serialport-gsm users: stop ^RSSI/^MODE/^DSFLOWRPT periodic URCs.
    'AT^CURC=0',
  ],
  // No RDY on these sticks; ^SIMST is printed when the SIM is read at power-up, and a
  // spurious re-init only costs a few commands.
  rebootUrcs: ['^SIMST'],
  // Tolerated for every modem, so no flag: E303/E3531 announce one message as +CMT and as
  // +CMTI (gammu fixture; the worker stores it once), and storage is numbered from 0 (gammu
  // F_SMS_LOCATION_0 for E150...E3372, K3715...; indices are used as the modem gives them).
  quirks: {
    // ModemManager huawei plugin: wait 3 s after unlocking or the firmware may reboot.
    afterPinDelayMs: 3_000,
    // E1752/E3372: ^RSSI every ~10 s until AT^CURC=0; seeing it again means settings were lost.
    periodicUrcFlood: true,
    // Messages that arrived before AT+CNMI sit silently in ME: list once after init.
    listAfterInit: true,
    // gammu F_ENCODED_USSD, ModemManager's huawei plugin: USSD in and out as packed GSM 7-bit hex.
    ussdPackedHex: true,
    // AT+CHUP ends a voice call on the E-series; ATH only ends data calls on some firmware.
    hangUpCommand: 'AT+CHUP',
  },
};
