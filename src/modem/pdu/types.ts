/**
 * Shapes shared by the PDU codec (3GPP TS 23.040 TPDUs with the TS 24.011 RP-SC address
 * in front, as modems print and accept them in PDU mode, TS 27.005 §3).
 */

/** Alphabet of a text we send: GSM 7-bit default alphabet or UCS-2 (TS 23.038 §6.2). */
export type TextEncoding = 'gsm7' | 'ucs2';

/** Alphabet of a received or stored user data field. */
export type DataEncoding = 'gsm7' | 'ucs2' | '8bit';

/** How a text is split into SMS parts. */
export interface Segmentation {
  /** Alphabet used for every part. */
  encoding: TextEncoding;
  /** Text of each part, in order; one element (possibly '') when no split is needed. */
  parts: string[];
}

/** Type of number of an address (TS 23.040 §9.1.2.5), folded to what callers branch on. */
export type AddressType = 'international' | 'national' | 'alphanumeric' | 'unknown' | 'other';

/** A concatenation information element (TS 23.040 §9.2.3.24.1 / .8). */
export interface ConcatInfo {
  reference: number;
  referenceBits: 8 | 16;
  total: number;
  sequence: number;
}

/** Application port addressing (TS 23.040 §9.2.3.24.3 / .4). */
export interface PortInfo {
  destination: number;
  source: number;
  bits: 8 | 16;
}

/** One raw information element of a User Data Header. */
export interface InformationElement {
  iei: number;
  data: Uint8Array;
}

/** Options of `encodeSubmit`. */
export interface SubmitOptions {
  /** '+4412345678' (TOA 0x91), '0404123456' (TOA 0x81) or alphanumeric like 'Katar' (TOA 0xD0). */
  to: string;
  text: string;
  /** SMSC address; omitted -> '00' prefix, i.e. the modem uses the SIM's SMSC (AT+CSCA). */
  smsc?: string;
  requestStatusReport?: boolean;
  /** Relative validity period in minutes, rounded up to the next representable TP-VP. */
  validityMinutes?: number;
  /** 8-bit concatenation reference (0-255) used when the text needs several parts. */
  concatReference?: number;
  /** TP-MR, default 0 (the modem assigns its own). */
  messageReference?: number;
  /** TP-RD: ask the SC to reject a duplicate of a still-held message (addition). */
  rejectDuplicates?: boolean;
}

/** One SMS-SUBMIT ready for AT+CMGS. */
export interface SubmitPdu {
  /** Upper-case hex including the SMSC field. */
  hex: string;
  /** The number for AT+CMGS=<n>: octets excluding the SMSC field. */
  tpduLength: number;
  /** 1-based. */
  partNumber: number;
  partCount: number;
}

/** A decoded SMS-DELIVER (a received message). */
export interface DecodedDeliver {
  type: 'deliver';
  smsc?: string;
  sender: string;
  senderType: AddressType;
  /** Service centre timestamp as an absolute instant. */
  timestamp: Date;
  tzOffsetMinutes: number;
  pid: number;
  dcs: number;
  encoding: DataEncoding;
  /** Decoded text; '' for 8-bit data (the octets are in `data`). */
  text: string;
  /** User data octets (without the UDH) when `encoding` is '8bit'. */
  data?: Uint8Array;
  concat?: ConcatInfo;
  /** Application ports, when the UDH carries them (addition). */
  ports?: PortInfo;
  messageClass?: number;
  /** Every tolerated defect, in plain words. */
  warnings: string[];
}

/** A decoded SMS-STATUS-REPORT. */
export interface DecodedStatusReport {
  type: 'status-report';
  smsc?: string;
  messageReference: number;
  recipient: string;
  recipientType: AddressType;
  serviceCentreTimestamp: Date;
  dischargeTime: Date;
  /** TP-ST (TS 23.040 §9.2.3.15). */
  status: number;
  outcome: 'delivered' | 'pending' | 'failed';
  warnings: string[];
}

/** A decoded SMS-SUBMIT (what +CMGR/+CMGL print for stored outgoing messages). */
export interface DecodedSubmit {
  type: 'submit';
  smsc?: string;
  messageReference: number;
  recipient: string;
  recipientType: AddressType;
  statusReportRequested: boolean;
  /** Relative validity period (TP-VPF=10) in minutes. */
  validityMinutes?: number;
  /** Absolute validity period (TP-VPF=11) as an instant (addition). */
  validityAbsolute?: Date;
  dcs: number;
  encoding: DataEncoding;
  text: string;
  /** User data octets (without the UDH) when `encoding` is '8bit' (addition). */
  data?: Uint8Array;
  concat?: ConcatInfo;
  warnings: string[];
}

/** Any PDU `decodePdu` understands. */
export type DecodedPdu = DecodedDeliver | DecodedStatusReport | DecodedSubmit;

/** Options of `encodeDeliver` (the simulated modem's side). */
export interface DeliverOptions {
  from: string;
  text: string;
  timestamp: Date;
  tzOffsetMinutes?: number;
  smsc?: string;
  concatReference?: number;
  concat16bit?: boolean;
}

/** Options of `encodeStatusReport` (the simulated modem's side). */
export interface StatusReportOptions {
  messageReference: number;
  recipient: string;
  status: number;
  serviceCentreTimestamp: Date;
  dischargeTime: Date;
  smsc?: string;
  /** Time zone of the service centre timestamp, default 0 (addition). */
  tzOffsetMinutes?: number;
  /** Time zone of the discharge time, default `tzOffsetMinutes` (addition). */
  dischargeTzOffsetMinutes?: number;
}
