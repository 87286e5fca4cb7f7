import { encodeAddress, encodeSmsc } from './address.js';
import { checkOctet } from './encode-submit.js';
import { joinOctets, toHex } from './octets.js';
import { encodeTimestamp } from './timestamp.js';
import type { StatusReportOptions } from './types.js';

// First octet of an SMS-STATUS-REPORT (TS 23.040 §9.2.2.3): MTI 10, no more messages, SRQ 0.
const FIRST_OCTET = 0x02 | 0x04;

/**
 * An SMS-STATUS-REPORT PDU (upper-case hex with the SMSC field), as a modem prints it after
 * +CDS or AT+CMGR on the SR memory. Used by the simulated modem. No TP-PI is emitted.
 */
export function encodeStatusReport(opts: StatusReportOptions): string {
  const mr = checkOctet(opts.messageReference, 'messageReference');
  const status = checkOctet(opts.status, 'status');
  const tz = opts.tzOffsetMinutes ?? 0;
  return toHex(
    joinOctets(
      encodeSmsc(opts.smsc),
      FIRST_OCTET,
      mr,
      encodeAddress(opts.recipient),
      encodeTimestamp(opts.serviceCentreTimestamp, tz),
      encodeTimestamp(opts.dischargeTime, opts.dischargeTzOffsetMinutes ?? tz),
      status,
    ),
  );
}
