import { ok } from '../outcome.js';
import { generic } from './generic.js';
import type { Personality } from './personality.js';

/** Quectel EC25 (LTE). Default receive storage is ME (serialport-gsm #12). */
export const quectel: Personality = {
  ...generic,
  name: 'quectel',
  iccidCommand: { name: '+QCCID', label: '+QCCID: ' },
  identity: {
    manufacturer: 'Quectel',
    model: 'EC25',
    revision: 'EC25EFAR06A10M4G',
    imei: '866758041234567',
    ati: ['Quectel', 'EC25', 'Revision: EC25EFAR06A10M4G'],
  },
  // A reset prints RDY; ModemManager re-probes on it.
  bootUrcs: ['RDY'],
  cpinUrc: true,
  simReadyUrcs: ['+QUSIM: 1', '+QIND: SMS DONE', '+QIND: PB DONE'],
  unknownCommand: 'error',
  cnmiTest: '+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)',
  cpmsTest: '+CPMS: ("SM","ME","MT"),("SM","ME","MT"),("SM","ME","MT")',
  defaultMemory: 'ME',
  capacities: { ME: 255, SR: 50 },
  lte: true,
  // Empty slot after a CPMS switch answers bare OK (serialport-gsm #12).
  emptySlot: 'ok',
  // Announces "+CDSI: "SM",0" for a report stored in SR (asterisk-chan-quectel PR #75).
  quirks: { cdsiNamesWrongStorage: true },
  behaviours: [
    // URC routing; without "usbat" no +CMTI reaches the AT port on some setups.
    { name: 'quectel-qurccfg', match: (c) => c.name === '+QURCCFG', handle: () => ok() },
  ],
};
