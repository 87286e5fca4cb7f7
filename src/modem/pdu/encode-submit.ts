import { KatarError } from '../../errors.js';
import { encodeAddress, encodeSmsc } from './address.js';
import { DCS_GSM7, DCS_UCS2 } from './dcs.js';
import { joinOctets, toHex } from './octets.js';
import { segmentText } from './segment.js';
import { buildConcatUdh, deriveConcatReference } from './udh.js';
import { buildUserData } from './user-data.js';
import { encodeRelativeValidity } from './validity.js';
import type { SubmitOptions, SubmitPdu } from './types.js';

/** Most parts an 8-bit concatenation count can announce (TS 23.040 §9.2.3.24.1). */
export const MAX_PARTS = 255;

// First-octet bits of an SMS-SUBMIT (TS 23.040 §9.2.2.2).
const MTI_SUBMIT = 0x01;
const RD = 0x04;
const VPF_RELATIVE = 0x10;
const SRR = 0x20;
const UDHI = 0x40;

/**
 * One SMS-SUBMIT PDU per part; hex is upper-case and includes the SMSC field; tpduLength is
 * the number for AT+CMGS=<n> (octets excluding the SMSC field). Throws PDU_INVALID for bad
 * options and MESSAGE_TOO_LONG beyond 255 parts. Without `concatReference`, a multi-part
 * message gets a reference derived from its recipient and text.
 */
export function encodeSubmit(opts: SubmitOptions): SubmitPdu[] {
  const mr = checkOctet(opts.messageReference ?? 0, 'messageReference');
  const segmentation = segmentText(opts.text);
  const count = segmentation.parts.length;
  if (count > MAX_PARTS) {
    throw new KatarError('MESSAGE_TOO_LONG', `text needs ${count} parts, at most ${MAX_PARTS} are possible`, { parts: count });
  }
  const reference =
    count > 1 ? checkOctet(opts.concatReference ?? deriveConcatReference(`${opts.to}\u0000${opts.text}`, 8), 'concatReference') : 0;
  const smsc = encodeSmsc(opts.smsc);
  const da = encodeAddress(opts.to);
  const vp = opts.validityMinutes === undefined ? undefined : encodeRelativeValidity(opts.validityMinutes);
  const dcs = segmentation.encoding === 'gsm7' ? DCS_GSM7 : DCS_UCS2;

  let firstOctet = MTI_SUBMIT;
  if (opts.rejectDuplicates) firstOctet |= RD;
  if (vp !== undefined) firstOctet |= VPF_RELATIVE;
  if (opts.requestStatusReport) firstOctet |= SRR;
  if (count > 1) firstOctet |= UDHI;

  return segmentation.parts.map((part, i) => {
    const udh = count > 1 ? buildConcatUdh({ reference, referenceBits: 8, total: count, sequence: i + 1 }) : undefined;
    const { udl, ud } = buildUserData(part, segmentation.encoding, udh);
    const tpdu = joinOctets(firstOctet, mr, da, 0x00, dcs, ...(vp === undefined ? [] : [vp]), udl, ud);
    return { hex: toHex(joinOctets(smsc, tpdu)), tpduLength: tpdu.length, partNumber: i + 1, partCount: count };
  });
}

/** Checks an option that must fit one octet. */
export function checkOctet(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 255) {
    throw new KatarError('PDU_INVALID', `${name} must be an integer 0-255, got ${value}`);
  }
  return value;
}
