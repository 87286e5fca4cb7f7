/**
 * The SMS PDU codec: GSM 7-bit / UCS-2 text, SMS-SUBMIT encoding, SMS-DELIVER,
 * SMS-SUBMIT and SMS-STATUS-REPORT decoding, concatenation. Pure code, no I/O.
 */
export type {
  AddressType,
  ConcatInfo,
  DataEncoding,
  DecodedDeliver,
  DecodedPdu,
  DecodedStatusReport,
  DecodedSubmit,
  DeliverOptions,
  InformationElement,
  PortInfo,
  Segmentation,
  StatusReportOptions,
  SubmitOptions,
  SubmitPdu,
  TextEncoding,
} from './types.js';
export { countParts, segmentText, gsm7Length, GSM7_PART, GSM7_SINGLE, UCS2_PART, UCS2_SINGLE } from './segment.js';
export { isGsm7 } from './gsm7-alphabet.js';
export { encodeSubmit, MAX_PARTS } from './encode-submit.js';
export { encodeDeliver } from './encode-deliver.js';
export { encodeStatusReport } from './encode-status-report.js';
export { decodePdu, type DecodeOptions } from './decode.js';
export { statusOutcome } from './decode-tpdu.js';
export { ConcatAssembler, concatKey, type AddResult, type AssembledMessage, type PendingSet } from './concat.js';
