import { KatarError } from '../../errors.js';

const HOUR = 60;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/** Longest relative validity period: TP-VP 255 = 63 weeks. */
export const MAX_VALIDITY_MINUTES = 63 * WEEK;

/** Minutes a relative TP-VP octet stands for (TS 23.040 §9.2.3.12.1). */
export function validityMinutesOf(vp: number): number {
  if (vp <= 143) return (vp + 1) * 5;
  if (vp <= 167) return 12 * HOUR + (vp - 143) * 30;
  if (vp <= 196) return (vp - 166) * DAY;
  return (vp - 192) * WEEK;
}

/**
 * The relative TP-VP octet for a validity, rounded up to the next representable value
 * (so a message never expires earlier than asked). Throws PDU_INVALID for non-positive
 * values and for anything beyond 63 weeks.
 */
export function encodeRelativeValidity(minutes: number): number {
  if (!Number.isFinite(minutes) || minutes <= 0) {
    throw new KatarError('PDU_INVALID', `validity of ${minutes} minutes is not positive`);
  }
  if (minutes > MAX_VALIDITY_MINUTES) {
    throw new KatarError('PDU_INVALID', `validity of ${minutes} minutes exceeds 63 weeks`);
  }
  if (minutes <= 12 * HOUR) return Math.ceil(minutes / 5) - 1;
  if (minutes <= DAY) return 143 + Math.ceil((minutes - 12 * HOUR) / 30);
  // §9.2.3.12.1 has no value between 24 h and 2 days, nor between 30 days and 5 weeks.
  if (minutes <= 30 * DAY) return 166 + Math.max(2, Math.ceil(minutes / DAY));
  return 192 + Math.max(5, Math.ceil(minutes / WEEK));
}
