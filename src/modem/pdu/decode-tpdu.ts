import { readAddress } from './address.js';
import { interpretDcs } from './dcs.js';
import { OctetReader } from './octets.js';
import { readTimestamp } from './timestamp.js';
import { readUserData, type UserData } from './user-data.js';
import { validityMinutesOf } from './validity.js';
import type { DecodedDeliver, DecodedStatusReport, DecodedSubmit } from './types.js';

const UDHI = 0x40;

/** Reads an SMS-DELIVER TPDU (TS 23.040 §9.2.2.1) whose first octet was already read. */
export function readDeliver(reader: OctetReader, firstOctet: number, warnings: string[]): DecodedDeliver {
  const sender = readAddress(reader, 'TP-OA');
  if (sender.value === '') warnings.push('TP-OA is empty');
  const pid = reader.u8('TP-PID');
  const dcs = reader.u8('TP-DCS');
  const scts = readTimestamp(reader, 'TP-SCTS', warnings);
  const dcsInfo = interpretDcs(dcs);
  const ud = readUserData(reader, dcsInfo, (firstOctet & UDHI) !== 0, warnings);
  const out: DecodedDeliver = {
    type: 'deliver',
    sender: sender.value,
    senderType: sender.type,
    timestamp: scts.date,
    tzOffsetMinutes: scts.tzOffsetMinutes,
    pid,
    dcs,
    encoding: ud.encoding,
    text: ud.text,
    warnings,
  };
  copyUserDataExtras(ud, out);
  if (ud.udh?.ports) out.ports = ud.udh.ports;
  if (dcsInfo.messageClass !== undefined) out.messageClass = dcsInfo.messageClass;
  return out;
}

/** Reads an SMS-SUBMIT TPDU (TS 23.040 §9.2.2.2) whose first octet was already read. */
export function readSubmit(reader: OctetReader, firstOctet: number, warnings: string[]): DecodedSubmit {
  const messageReference = reader.u8('TP-MR');
  const recipient = readAddress(reader, 'TP-DA');
  if (recipient.value === '') warnings.push('TP-DA is empty');
  reader.u8('TP-PID');
  const dcs = reader.u8('TP-DCS');
  let validityMinutes: number | undefined;
  let validityAbsolute: Date | undefined;
  switch ((firstOctet >> 3) & 0x03) {
    case 0x02:
      validityMinutes = validityMinutesOf(reader.u8('TP-VP'));
      break;
    case 0x03:
      validityAbsolute = readTimestamp(reader, 'TP-VP', warnings).date;
      break;
    case 0x01:
      // §9.2.3.12.3 enhanced format: 7 octets we skip rather than interpret.
      reader.take(7, 'TP-VP');
      warnings.push('enhanced validity period not decoded');
      break;
    default:
      break;
  }
  const ud = readUserData(reader, interpretDcs(dcs), (firstOctet & UDHI) !== 0, warnings);
  const out: DecodedSubmit = {
    type: 'submit',
    messageReference,
    recipient: recipient.value,
    recipientType: recipient.type,
    statusReportRequested: (firstOctet & 0x20) !== 0,
    dcs,
    encoding: ud.encoding,
    text: ud.text,
    warnings,
  };
  if (validityMinutes !== undefined) out.validityMinutes = validityMinutes;
  if (validityAbsolute !== undefined) out.validityAbsolute = validityAbsolute;
  copyUserDataExtras(ud, out);
  return out;
}

/** Reads an SMS-STATUS-REPORT TPDU (TS 23.040 §9.2.2.3) whose first octet was already read. */
export function readStatusReport(reader: OctetReader, warnings: string[]): DecodedStatusReport {
  const messageReference = reader.u8('TP-MR');
  const recipient = readAddress(reader, 'TP-RA');
  if (recipient.value === '') warnings.push('TP-RA is empty');
  const scts = readTimestamp(reader, 'TP-SCTS', warnings);
  const dt = readTimestamp(reader, 'TP-DT', warnings);
  const status = reader.u8('TP-ST');
  if (reader.remaining > 0) skipOptionalParameters(reader, warnings);
  if (status >= 0x80) warnings.push(`TP-ST 0x${status.toString(16)} is a reserved value; reported as failed`);
  return {
    type: 'status-report',
    messageReference,
    recipient: recipient.value,
    recipientType: recipient.type,
    serviceCentreTimestamp: scts.date,
    dischargeTime: dt.date,
    status,
    outcome: statusOutcome(status),
    warnings,
  };
}

/**
 * Outcome of a TP-ST value (TS 23.040 §9.2.3.15): 0x00-0x1F completed, 0x20-0x3F temporary
 * error with the SC still trying, 0x40-0x5F permanent error, 0x60-0x7F temporary error with
 * the SC no longer trying; reserved values 0x80-0xFF count as failed.
 */
export function statusOutcome(status: number): 'delivered' | 'pending' | 'failed' {
  if (status <= 0x1f) return 'delivered';
  if (status <= 0x3f) return 'pending';
  return 'failed';
}

// §9.2.2.3: TP-PI and the fields it announces may follow TP-ST. Some modems append junk
// or FF padding instead (gammu: "ignore extra data after successfully parsing status report").
function skipOptionalParameters(reader: OctetReader, warnings: string[]): void {
  const extra = reader.rest();
  if (extra.every((b) => b === 0xff)) {
    warnings.push(`${extra.length} trailing FF padding octet(s) ignored`);
    return;
  }
  const params = new OctetReader(extra);
  try {
    const pi = params.u8('TP-PI');
    if ((pi & 0x01) !== 0) params.u8('TP-PID');
    const dcs = (pi & 0x02) !== 0 ? params.u8('TP-DCS') : 0;
    const udWarnings: string[] = [];
    if ((pi & 0x04) !== 0) readUserData(params, interpretDcs(dcs), false, udWarnings);
    if ((pi & 0x78) !== 0 || params.remaining > 0 || udWarnings.length > 0) {
      warnings.push(`${extra.length} octet(s) after TP-ST ignored`);
    }
  } catch {
    warnings.push(`${extra.length} octet(s) after TP-ST ignored`);
  }
}

function copyUserDataExtras(ud: UserData, out: DecodedDeliver | DecodedSubmit): void {
  if (ud.data !== undefined) out.data = ud.data;
  if (ud.udh?.concat) out.concat = ud.udh.concat;
}
