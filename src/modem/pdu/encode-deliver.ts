import { KatarError } from '../../errors.js';
import { encodeAddress, encodeSmsc } from './address.js';
import { DCS_GSM7, DCS_UCS2 } from './dcs.js';
import { checkOctet, MAX_PARTS } from './encode-submit.js';
import { joinOctets, toHex } from './octets.js';
import { CONCAT16_UDH_OCTETS, CONCAT8_UDH_OCTETS, segmentWithHeader } from './segment.js';
import { encodeTimestamp } from './timestamp.js';
import { buildConcatUdh, deriveConcatReference } from './udh.js';
import { buildUserData } from './user-data.js';
import type { DeliverOptions } from './types.js';

// First-octet bits of an SMS-DELIVER (TS 23.040 §9.2.2.1); MTI 00.
const MMS_NO_MORE = 0x04;
const UDHI = 0x40;

/**
 * SMS-DELIVER PDUs (upper-case hex with the SMSC field) for a received text, split into
 * parts like `segmentText` (152 septets / 66 units per part with `concat16bit`). Used by
 * the simulated modem. Without `concatReference`, a multi-part message gets a reference
 * derived from its sender and text.
 */
export function encodeDeliver(opts: DeliverOptions): string[] {
  const bits = opts.concat16bit ? 16 : 8;
  // A 16-bit reference makes the UDH one octet longer, so each part holds a little less.
  const segmentation = segmentWithHeader(opts.text, bits === 16 ? CONCAT16_UDH_OCTETS : CONCAT8_UDH_OCTETS);
  const count = segmentation.parts.length;
  if (count > MAX_PARTS) throw new KatarError('MESSAGE_TOO_LONG', `text needs ${count} parts`, { parts: count });
  const reference = opts.concatReference ?? deriveConcatReference(`${opts.from}\u0000${opts.text}`, bits);
  if (bits === 8) checkOctet(reference, 'concatReference');
  else if (!Number.isInteger(reference) || reference < 0 || reference > 0xffff) {
    throw new KatarError('PDU_INVALID', `concatReference must be an integer 0-65535, got ${reference}`);
  }
  const smsc = encodeSmsc(opts.smsc);
  const oa = encodeAddress(opts.from);
  const scts = encodeTimestamp(opts.timestamp, opts.tzOffsetMinutes ?? 0);
  const dcs = segmentation.encoding === 'gsm7' ? DCS_GSM7 : DCS_UCS2;
  const firstOctet = MMS_NO_MORE | (count > 1 ? UDHI : 0);

  return segmentation.parts.map((part, i) => {
    const udh = count > 1 ? buildConcatUdh({ reference, referenceBits: bits, total: count, sequence: i + 1 }) : undefined;
    const { udl, ud } = buildUserData(part, segmentation.encoding, udh);
    return toHex(joinOctets(smsc, firstOctet, oa, 0x00, dcs, scts, udl, ud));
  });
}
