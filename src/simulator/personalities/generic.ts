import type { Personality } from './personality.js';

/** A plain 27.005/27.007 modem: the reference dialect every driver must handle. */
export const generic: Personality = {
  name: 'generic',
  identity: {
    manufacturer: 'Katar',
    model: 'SIM-GENERIC',
    revision: 'KSIM 1.0.0',
    imei: '490154203237518',
    ati: ['Katar', 'SIM-GENERIC', 'Revision: KSIM 1.0.0'],
  },
  bootUrcs: ['RDY'],
  cpinUrc: true,
  simReadyUrcs: [],
  prompt: '\r\n> ',
  unknownCommand: 'error',
  cnmiTest: '+CNMI: (0-3),(0-3),(0-3),(0-2),(0,1)',
  defaultCnmi: [2, 1, 0, 0, 0],
  cpmsTest: '+CPMS: ("SM","ME","SR"),("SM","ME","SR"),("SM","ME")',
  cpmsParams: 3,
  defaultMemory: 'SM',
  capacities: { ME: 50, SR: 20 },
  cscsTest: '+CSCS: ("GSM","IRA","UCS2")',
  indexBase: 1,
  cmgrHeader: 'standard',
  emptySlot: 'cms321',
  lte: true,
  doubleCrUrcs: false,
  trailingBlankLine: false,
  quirks: {},
  behaviours: [],
};
