/**
 * Calendar arithmetic in an IANA time zone, on Intl alone: which hour and day an instant
 * falls in, when that hour or day ends, and when a daily window of local time opens.
 * Every zone in use today is offset from UTC by a multiple of 15 minutes, so local hours
 * and days begin on a 15-minute grid of UTC; the ends are found by a binary search on
 * that grid, which holds across DST changes (a 23- or 25-hour day, a repeated hour).
 */

const GRID_MS = 15 * 60_000;
const MINUTE_MS = 60_000;

/** One instant as the wall clock of a zone shows it. */
export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** The zone's offset at that instant, as Intl spells it ("GMT+13:00", "GMT"). */
  offset: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', timeZoneName: 'longOffset' });
    formatters.set(zone, f);
  }
  return f;
}

/** The wall clock of `zone` at `ms`. */
export function localTime(ms: number, zone: string): LocalTime {
  const out: LocalTime = { year: 0, month: 0, day: 0, hour: 0, minute: 0, offset: '' };
  for (const p of formatter(zone).formatToParts(ms)) {
    if (p.type === 'year') out.year = Number(p.value);
    else if (p.type === 'month') out.month = Number(p.value);
    else if (p.type === 'day') out.day = Number(p.value);
    else if (p.type === 'hour') out.hour = Number(p.value);
    else if (p.type === 'minute') out.minute = Number(p.value);
    else if (p.type === 'timeZoneName') out.offset = p.value;
  }
  return out;
}

/** The calendar windows caps are counted in. */
export type CalendarUnit = 'minute' | 'hour' | 'day';

const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * The name of the window `ms` falls in: the local date for a day, the local hour with
 * its offset for an hour (so the hour repeated when DST ends is a window of its own),
 * the UTC minute for a minute (a minute is the same everywhere).
 */
export function windowKey(unit: CalendarUnit, ms: number, zone: string): string {
  if (unit === 'minute') return new Date(Math.floor(ms / MINUTE_MS) * MINUTE_MS).toISOString().slice(0, 16) + 'Z';
  const t = localTime(ms, zone);
  const date = `${t.year}-${pad(t.month)}-${pad(t.day)}`;
  return unit === 'day' ? date : `${date}T${pad(t.hour)} ${t.offset}`;
}

/** The first instant after `ms` that is in another window of `unit` (where the count starts again). */
export function windowEnd(unit: CalendarUnit, ms: number, zone: string): number {
  if (unit === 'minute') return (Math.floor(ms / MINUTE_MS) + 1) * MINUTE_MS;
  const key = windowKey(unit, ms, zone);
  // A local day lasts at most 25 hours, an hour at most 2 (with a half-hour DST step).
  const horizon = unit === 'day' ? 27 * 3_600_000 : 3 * 3_600_000;
  let lo = Math.floor(ms / GRID_MS) + 1;
  let hi = Math.floor((ms + horizon) / GRID_MS);
  if (windowKey(unit, hi * GRID_MS, zone) === key) return hi * GRID_MS;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (windowKey(unit, mid * GRID_MS, zone) === key) lo = mid + 1;
    else hi = mid;
  }
  return lo * GRID_MS;
}

/** "HH:MM" as minutes after local midnight. */
export function minutesOfDay(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/** A daily span of local time, `from` inclusive to `to` exclusive; `from > to` spans midnight. */
export interface DailyWindow {
  from: string;
  to: string;
  timezone: string;
}

function inside(minute: number, from: number, to: number): boolean {
  return from < to ? minute >= from && minute < to : minute >= from || minute < to;
}

/** True when `ms` falls within the window's local hours. */
export function inDailyWindow(w: DailyWindow, ms: number): boolean {
  const t = localTime(ms, w.timezone);
  return inside(t.hour * 60 + t.minute, minutesOfDay(w.from), minutesOfDay(w.to));
}

/**
 * The first instant from `ms` on that is within the window (`ms` itself when it is).
 * The local minutes to `from` give a first guess; a DST change in between moves the
 * guess by the change, so it is corrected from the local time it lands on, and where
 * `from` does not exist that day (the skipped hour), the window opens when the local
 * clock has passed it.
 */
export function nextWindowOpen(w: DailyWindow, ms: number): number {
  if (inDailyWindow(w, ms)) return ms;
  const from = minutesOfDay(w.from);
  let t = Math.floor(ms / MINUTE_MS) * MINUTE_MS;
  for (let i = 0; i < 4; i++) {
    const lt = localTime(t, w.timezone);
    let ahead = (from - (lt.hour * 60 + lt.minute) + 1440) % 1440;
    // A correction backwards (the guess overshot by a DST change) is a small negative step.
    if (ahead > 720 && t > ms) ahead -= 1440;
    if (ahead === 0) break;
    t += ahead * MINUTE_MS;
  }
  if (t > ms && inDailyWindow(w, t) && !inDailyWindow(w, t - MINUTE_MS)) return t;
  // The skipped hour, or a guess that did not settle: the first in-window minute from
  // two hours before the guess on (a DST step is at most one hour).
  for (let s = Math.max(Math.floor(ms / MINUTE_MS) * MINUTE_MS + MINUTE_MS, t - 2 * 3_600_000), end = s + 26 * 3_600_000; s < end; s += MINUTE_MS) {
    if (inDailyWindow(w, s)) return s;
  }
  return ms + 86_400_000;
}
