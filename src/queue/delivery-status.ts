/**
 * What a status report's TP-ST says (3GPP TS 23.040 §9.2.3.15), and what the parts'
 * states make of the task. Pure; no I/O.
 */
import type { Delivery, DeliveryStatus } from './task.js';

/** TP-ST values the spec names, in the words of §9.2.3.15. */
const NAMED: Record<number, string> = {
  0x00: 'received by the recipient',
  0x01: 'forwarded to the recipient, delivery not confirmed',
  0x02: 'replaced by the service centre',
  0x20: 'congestion',
  0x21: 'recipient busy',
  0x22: 'no response from the recipient',
  0x23: 'service rejected',
  0x24: 'quality of service not available',
  0x25: 'error in the recipient',
  0x40: 'remote procedure error',
  0x41: 'incompatible destination',
  0x42: 'connection rejected by the recipient',
  0x43: 'not obtainable (unknown subscriber)',
  0x44: 'quality of service not available',
  0x45: 'no interworking available',
  0x46: 'validity period expired',
  0x47: 'deleted by the sender',
  0x48: 'deleted by the service centre administration',
  0x49: 'message does not exist at the service centre',
};

/** A status report, read. */
export interface ReportVerdict {
  status: DeliveryStatus;
  /** The report in words, with its class. */
  reason: string;
}

function name(st: number): string {
  const own = NAMED[st];
  if (own !== undefined) return own;
  // 0x10-0x1F, 0x30-0x3F, 0x50-0x5F, 0x70-0x7F: "values specific to each SC"; the rest reserved.
  return (st & 0x1f) >= 0x10 ? `service centre specific reason 0x${st.toString(16)}` : `reserved reason 0x${st.toString(16)}`;
}

/**
 * Reads a TP-ST: 0x00-0x1F completed (delivered), 0x20-0x3F temporary error with the
 * service centre still trying (pending), 0x40-0x5F permanent error and 0x60-0x7F temporary
 * error with the service centre no longer trying (failed). Reserved 0x80-0xFF counts as
 * failed: the spec gives the sender nothing to wait for.
 */
export function readReportStatus(st: number): ReportVerdict {
  if (st <= 0x1f) return { status: 'delivered', reason: name(st) };
  if (st <= 0x3f) return { status: 'pending', reason: `temporary error, service centre still trying: ${name(st)}` };
  if (st <= 0x5f) return { status: 'failed', reason: `permanent error: ${name(st)}` };
  if (st <= 0x7f) return { status: 'failed', reason: `temporary error, service centre gave up: ${(st & 0x1f) < 0x10 ? (NAMED[st - 0x40] ?? name(st)) : name(st)}` };
  return { status: 'failed', reason: `reserved status 0x${st.toString(16)}` };
}

/**
 * The task's delivery from its parts: delivered when all `total` parts are, failed as
 * soon as one failed for good, else pending (with the latest reason the SMSC gave).
 */
export function foldDelivery(d: Delivery, total: number, updatedAt: string): Delivery {
  const failed = d.parts.find((p) => p.status === 'failed');
  const pending = d.parts.filter((p) => p.status === 'pending' && p.reason !== undefined).pop();
  const all = d.parts.length >= Math.max(1, total) && d.parts.every((p) => p.status === 'delivered');
  const status: DeliveryStatus = failed ? 'failed' : all ? 'delivered' : 'pending';
  const next: Delivery = { ...d, status, references: d.parts.map((p) => p.reference), updatedAt };
  const reason = failed?.reason ?? (status === 'pending' ? pending?.reason : undefined);
  if (reason !== undefined) next.reason = reason;
  else delete next.reason;
  return next;
}

/** True when `d` is a delivery this version records (older versions kept `parts` as a map). */
export function hasPartList(d: Delivery | undefined): d is Delivery {
  return d !== undefined && Array.isArray(d.parts);
}
