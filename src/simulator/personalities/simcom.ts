import { generic } from './generic.js';
import type { Personality } from './personality.js';

/** SIMCom SIM800/SIM800L (2G). Boot URC order from the SIM800 manual V1.09 p.352. */
export const simcomSim800: Personality = {
  ...generic,
  name: 'simcom-sim800',
  identity: {
    manufacturer: 'SIMCOM_Ltd',
    model: 'SIMCOM_SIM800L',
    revision: 'Revision:1418B04SIM800L24',
    imei: '865067021234567',
    ati: ['SIM800 R14.18'],
  },
  bootUrcs: ['RDY', '+CFUN: 1'],
  cpinUrc: true,
  // SIM800L refuses AT+CMGF until these have appeared (Seeed GPRS_SIM900 #39).
  simReadyUrcs: ['Call Ready', 'SMS Ready'],
  // SIM800C answers unknown commands with +CME ERROR: 100 (python-gsmmodem babca #64).
  unknownCommand: 'cme100',
  cnmiTest: '+CNMI: (0-3),(0-3),(0-3),(0-2),(0,1)',
  cpmsTest: '+CPMS: ("SM","ME","SM_P","ME_P","MT"),("SM","ME","SM_P","ME_P","MT"),("SM","ME","SM_P","ME_P","MT")',
  cscsTest: '+CSCS: ("IRA","GSM","UCS2","HEX","PCCP","PCDN","8859-1")',
  lte: false,
  emptySlot: 'ok',
};

/** SIMCom SIM7600 (LTE). Bare `>` + CRLF prompt as seen on SIM7670G (gammu #1176). */
export const simcomSim7600: Personality = {
  ...generic,
  name: 'simcom-sim7600',
  iccidCommand: { name: '+CICCID', label: '+ICCID: ' },
  identity: {
    manufacturer: 'SIMCOM INCORPORATED',
    model: 'SIMCOM_SIM7600G-H',
    revision: '+CGMR: LE20B04SIM7600G22',
    imei: '862636051234567',
    ati: ['Manufacturer: SIMCOM INCORPORATED', 'Model: SIMCOM_SIM7600G-H', 'Revision: LE20B04SIM7600G22', 'IMEI: 862636051234567', '+GCAP: +CGSM'],
  },
  bootUrcs: ['RDY'],
  cpinUrc: true,
  simReadyUrcs: ['SMS DONE', 'PB DONE'],
  prompt: '\r\n>\r\n',
  unknownCommand: 'error',
  cnmiTest: '+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)',
  cpmsTest: '+CPMS: ("ME","MT","SM","SR"),("ME","MT","SM","SR"),("ME","MT","SM")',
  lte: true,
  emptySlot: 'ok',
};
