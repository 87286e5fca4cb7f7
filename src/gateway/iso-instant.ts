/**
 * Strict ISO 8601 date-times for `sendAt`, `validUntil` and `receivedAt`.
 *
 * `Date.parse` rolls impossible dates over instead of refusing them: "2026-02-30T10:00Z"
 * becomes 2 March, "2025-02-29" becomes 1 March and hour 24 becomes the next day. An SMS
 * held until a day that does not exist is a producer's mistake, so it must be answered
 * 400, not quietly moved. Each field is therefore checked against the calendar before
 * the string is handed to `Date.parse`.
 */
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):?(\d{2}))?$/i;

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Days in `month` (1-12) of `year` (Gregorian). */
export function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeap(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Parses `YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH:MM]` (no offset: local time, like `Date`).
 * Returns milliseconds since 1970, or undefined when the text is not such a date-time or
 * names a moment that does not exist (month 13, 30 February, 29 February of a common
 * year, hour 24, minute or second 60, an offset beyond ±23:59).
 */
export function parseIsoInstant(text: string): number | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  if (m[8] !== undefined && (Number(m[8]) > 23 || Number(m[9]) > 59)) return undefined;
  // Date.parse wants the colon in the offset and an upper-case T/Z.
  const normal = m[8] !== undefined ? `${text.slice(0, text.length - m[7]!.length)}${m[7]![0]}${m[8]}:${m[9]}` : text;
  const t = Date.parse(normal.toUpperCase());
  return Number.isFinite(t) ? t : undefined;
}
