import { ussdBehaviour } from '../behaviours/ussd.js';
import { ok } from '../outcome.js';
import { generic } from './generic.js';
import type { Personality } from './personality.js';

/** Huawei E3372 stick (LTE, "stick" firmware, not HiLink). */
export const huawei: Personality = {
  ...generic,
  name: 'huawei',
  iccidCommand: { name: '^ICCID', label: '^ICCID: ' },
  identity: {
    manufacturer: 'huawei',
    model: 'E3372',
    revision: '22.200.09.01.161',
    imei: '867223021234567',
    ati: ['Manufacturer: huawei', 'Model: E3372', 'Revision: 22.200.09.01.161', 'IMEI: 867223021234567', '+GCAP: +CGSM,+DS,+ES'],
  },
  bootUrcs: ['^BOOT:27710117,0,0,0,75', '^MODE:5,4'],
  cpinUrc: false,
  simReadyUrcs: ['^SIMST:1', '^SRVST:2'],
  // E1752/E220/E303 answer unknown commands this way.
  unknownCommand: 'command-not-support',
  cnmiTest: '+CNMI: (0,1,2),(0,1,2,3),(0,2),(0,1,2),(0,1)',
  defaultCnmi: [0, 0, 0, 0, 0],
  cpmsTest: '+CPMS: ("ME","MT","SM","SR"),("ME","MT","SM","SR"),("ME","MT","SM","SR")',
  capacities: { ME: 23, SR: 50 },
  // gammu F_SMS_LOCATION_0: Huawei sticks number storage from 0.
  indexBase: 0,
  lte: true,
  periodicUrc: { everyMs: 10_000, line: (rssi) => `^RSSI:${rssi}` },
  doubleCrUrcs: true,
  trailingBlankLine: true,
  memFullUrc: (mem) => `^SMMEMFULL: "${mem}"`,
  behaviours: [
    // gammu F_ENCODED_USSD: USSD strings as packed GSM 7-bit hex, both ways.
    ussdBehaviour({ packedHex: true }),
    {
      name: 'huawei-curc',
      match: (c) => c.name === '^CURC',
      handle: (c, ctx) => {
        if (c.kind === 'read') return ok(`^CURC: ${ctx.settings.curc ? 1 : 0}`);
        if (c.kind === 'test') return ok('^CURC: (0-1)');
        ctx.settings.curc = c.args[0] !== '0';
        return ok();
      },
    },
  ],
};
