/**
 * Quectel LTE modules (EC21/EC25/EG25/EG91/EG95, also UC15/UGxx/M35/M95): URCs must be
 * routed to the AT port explicitly, status reports are mis-announced with `<ds>=2`, and
 * `+CMGS` may take up to 120 s.
 */
import { identityMatches } from '../../src/modem/driver.js';
import type { ModemDriver } from '../../src/modem/driver.js';

/** Quectel (`AT+CGMI` → `Quectel`, `AT+CGMM` → `EC25`, `EG25`...). */
export const quectelDriver: ModemDriver = {
  name: 'quectel',
  matches: (id) => identityMatches(id, /quectel/i),
  usb: [
    { vendorId: '2c7c', productId: '0125', note: 'EC25 / EG25-G' },
    { vendorId: '2c7c', productId: '0121', note: 'EC21' },
    { vendorId: '2c7c', productId: '0195', note: 'EG95' },
    { vendorId: '2c7c', productId: '0191', note: 'EG91' },
    { vendorId: '05c6', productId: '9215', note: 'EC20 (Qualcomm id)' },
  ],
  urcs: [
    // GNSS, LwM2M and DTMF notices (ModemManager quectel plugin; docs/hardware.md#quectel-ec2x).
    { name: '+QGPSURC', match: 'prefix' },
    { name: '+QLWURC', match: 'prefix' },
    { name: '+QTONEDET', match: 'prefix' },
  ],
  initCommands: [
    // serialport-gsm #12: no +CMTI on the AT port until the URC port was set; an Android
    // RIL sets "usbat" explicitly. We talk on the AT port, so route URCs there.
    'AT+QURCCFG="urcport","usbat"',
  ],
  quirks: {
    // EC25EFAR06A10M4G & co.: +CDSI: "SM",<i> for a report stored in SR (chan_quectel PR #75).
    cdsiNamesWrongStorage: true,
    // Default receive storage ME; switching to SM made CMTI still say ME and CMGR answer a
    // bare OK (serialport-gsm #12): keep ME.
    storagePreference: ['ME', 'MT', 'SM'],
    // UGxx / EC25 manuals: AT+CMGS maximum response time 120 s.
    cmgsTimeoutMs: 120_000,
  },
};
