import { describe, expect, it } from 'vitest';
import { daysInMonth, parseIsoInstant } from '../../src/gateway/iso-instant.js';

/** Date.parse rolls "2026-02-30" over to 2 March; the strict parser refuses every date that does not exist. */
describe('parseIsoInstant', () => {
  it.each([
    '2026-02-30T10:00:00Z', // 30 February
    '2026-02-29T00:00:00Z', // 29 February of a common year
    '2100-02-29T00:00:00Z', // 2100 is not a leap year
    '2026-13-01T00:00:00Z', // month 13
    '2026-00-10T00:00:00Z', // month 0
    '2026-04-31T00:00:00Z', // 31 April
    '2026-01-00T00:00:00Z', // day 0
    '2026-01-01T24:00:00Z', // hour 24
    '2026-01-01T23:60:00Z',
    '2026-01-01T23:59:60Z', // leap seconds are not accepted either
    '2026-01-01T10:00:00+24:00',
    '2026-01-01T10:00:00+05:60',
    '2026-02-30', // no time
    'tomorrow',
    '2026-1-1T00:00:00Z',
    '+012026-01-01T00:00:00Z',
    ' 2026-01-01T00:00:00Z',
  ])('refuses %s', (text) => {
    expect(parseIsoInstant(text)).toBeUndefined();
  });

  it.each([
    ['2028-02-29T12:00:00Z', Date.UTC(2028, 1, 29, 12)],
    ['2000-02-29T00:00:00Z', Date.UTC(2000, 1, 29)],
    ['2026-12-31T23:59:59.999Z', Date.UTC(2026, 11, 31, 23, 59, 59, 999)],
    ['2026-01-31T18:00Z', Date.UTC(2026, 0, 31, 18)],
    ['2026-01-31T18:00:00+10:00', Date.UTC(2026, 0, 31, 8)],
    ['2026-01-31T18:00:00-0530', Date.UTC(2026, 0, 31, 23, 30)],
    ['2026-01-31t18:00:00z', Date.UTC(2026, 0, 31, 18)],
    ['1969-07-20T20:17:40Z', Date.UTC(1969, 6, 20, 20, 17, 40)],
  ])('reads %s', (text, ms) => {
    expect(parseIsoInstant(text)).toBe(ms);
  });

  it('reads a date-time without offset as local time, like Date', () => {
    expect(parseIsoInstant('2026-06-01T08:30:00')).toBe(new Date(2026, 5, 1, 8, 30).getTime());
  });

  it('knows the Gregorian leap years', () => {
    expect([1900, 2000, 2024, 2026, 2100].map((y) => daysInMonth(y, 2))).toEqual([28, 29, 29, 28, 28]);
  });
});
