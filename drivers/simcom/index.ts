/**
 * SIMCom: the 2G SIM800/SIM900 family and the LTE SIM7600/SIM7000/A76xx family. Both boot
 * with RDY (or only `SMS Ready` when auto-bauding), which the engine already treats as a
 * restart; they differ in prompt bytes, storage names and `+CMGS` latency.
 */
import { identityMatches } from '../../src/modem/driver.js';
import type { ModemDriver } from '../../src/modem/driver.js';
import type { UrcSpec } from '../../src/modem/at/urc.js';

const simcomUrcs: UrcSpec[] = [
  // Network time / PSM notices printed by SIM800 (manual V1.09) and SIM7xxx.
  { name: '*PSUTTZ', match: 'prefix' },
  { name: 'DST', match: 'prefix' },
  { name: '+CPSI', match: 'prefix' },
  { name: '+CGEV', match: 'prefix' },
];

/** SIM800 / SIM800L / SIM800C / SIM900 (`AT+CGMI` → `SIMCOM_Ltd`, `AT+CGMM` → `SIMCOM_SIM800L`). */
export const simcomSim800Driver: ModemDriver = {
  name: 'simcom-sim800',
  matches: (id) => identityMatches(id, /simcom/i, /SIM[89]\d\d/i),
  urcs: simcomUrcs,
  quirks: {
    // SIM800 manual: AT+CMGS "Max Response Time 60s"; the reply comes after network delivery.
    cmgsTimeoutMs: 60_000,
    // SIM800 manual: ATH disconnects an existing (or ringing) voice call.
    hangUpCommand: 'ATH',
  },
};

/**
 * SIM7600 / SIM7000 / SIM7670 / A76xx (`AT+CGMI` → `SIMCOM INCORPORATED`). USB ids:
 * 1e0e:9001 (SIM7600 family), 1e0e:9011 (A76xx / SIM7670, RNDIS composition).
 */
export const simcomSim7600Driver: ModemDriver = {
  name: 'simcom-sim7600',
  matches: (id) => identityMatches(id, /simcom/i, /SIM7\d\d\d|A76\d\d/i),
  usb: [
    { vendorId: '1e0e', productId: '9001', note: 'SIM7600 family' },
    { vendorId: '1e0e', productId: '9011', note: 'A76xx / SIM7670' },
  ],
  urcs: simcomUrcs,
  // Tolerated for every modem, so no flag: SIM7670G fw 2382B02SIM767XM5A prompts with `>` +
  // CRLF, no space (gammu #1176; the tokenizer takes either), and an A7608E prints lower-case
  // hex in +CMT (PDUlib #27; the session upper-cases every PDU).
  quirks: {
    // The SIM800's +CMGS deadline (docs/hardware.md#simcom-sim7600-and-a76xx).
    cmgsTimeoutMs: 60_000,
  },
};
