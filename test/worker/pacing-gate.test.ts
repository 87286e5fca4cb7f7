import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ModemSending } from '../../src/config/modem-sending.js';
import { nextWindowOpen, windowEnd, windowKey } from '../../src/worker/pacing-calendar.js';
import { PacingGate, pauseText } from '../../src/worker/pacing.js';
import { TestClock } from '../helpers/test-clock.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();

function gate(sending: Partial<ModemSending>, clock: TestClock, extra: { dir?: string; random?: () => number } = {}): PacingGate {
  return new PacingGate({ modem: 'm0', sending: { minIntervalMs: 0, jitterMs: 0, ...sending }, clock, ...extra });
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('pacing: least interval with jitter', () => {
  it('holds the next send for minIntervalMs plus the jitter drawn, from the start of the previous one', async () => {
    const clock = new TestClock();
    const g = gate({ minIntervalMs: 1000, jitterMs: 200 }, clock, { random: () => 0.5 });
    expect(g.check()).toEqual({ go: true });
    await g.starting(1);
    expect(g.check()).toEqual({ go: false, waitMs: 1100 });
    clock.advance(1099);
    expect(g.check()).toEqual({ go: false, waitMs: 1 });
    clock.advance(1);
    expect(g.check()).toEqual({ go: true });
  });

  it('draws the jitter within [0, jitterMs] (Math.random, 500 draws)', async () => {
    const clock = new TestClock();
    const g = gate({ minIntervalMs: 1000, jitterMs: 200 }, clock);
    const waits: number[] = [];
    for (let i = 0; i < 500; i++) {
      await g.starting(1);
      const v = g.check();
      if (v.go) throw new Error('expected a wait');
      waits.push(v.waitMs);
      clock.advance(v.waitMs);
    }
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...waits)).toBeLessThanOrEqual(1200);
    // Spread out, not one fixed value: sends that tick like a machine are what carriers flag.
    expect(new Set(waits).size).toBeGreaterThan(50);
  });

  it('a send that never reached the modem gives its interval and its count back', async () => {
    const clock = new TestClock();
    const g = gate({ minIntervalMs: 1000, limits: { perMinute: 1, timezone: 'UTC' } }, clock);
    await g.starting(1);
    g.notStarted(1);
    expect(g.check()).toEqual({ go: true });
    expect(g.counts()).toEqual({ minute: 0 });
  });
});

describe('pacing: caps per calendar window', () => {
  it('perMinute: after the cap, paused by limit until the next minute', async () => {
    const clock = new TestClock(at('2026-12-02T10:15:20Z'));
    const g = gate({ limits: { perMinute: 3, timezone: 'UTC' } }, clock);
    for (let i = 0; i < 3; i++) {
      expect(g.check().go).toBe(true);
      await g.starting(1);
    }
    const v = g.check();
    expect(v).toMatchObject({ go: false, waitMs: 40_000, pause: { reason: 'limit', until: at('2026-12-02T10:16:00Z') } });
    if (!v.go && v.pause) expect(pauseText(v.pause)).toBe('paused by limit until 2026-12-02T10:16:00.000Z (perMinute 3 reached: 3 sent in this minute (UTC))');
    clock.advance(40_000);
    expect(g.check()).toEqual({ go: true });
  });

  it('counts parts: a 3-part message that would pass the cap waits, and holds the modem until the window ends', async () => {
    const clock = new TestClock(at('2026-12-02T10:00:00Z'));
    const g = gate({ limits: { perHour: 5, timezone: 'UTC' } }, clock);
    await g.starting(3);
    expect(g.check(3)).toMatchObject({ go: false, pause: { reason: 'limit', until: at('2026-12-02T11:00:00Z') } });
    // Two parts would fit, but the modem is held: the long message is for another modem (or the next hour).
    expect(g.check(1)).toMatchObject({ go: false, pause: { until: at('2026-12-02T11:00:00Z') } });
    clock.advance(3_600_000);
    expect(g.check(3)).toEqual({ go: true });
  });

  it('a message with more parts than the cap goes alone, first in a fresh window', async () => {
    const clock = new TestClock(at('2026-12-02T10:00:00Z'));
    const g = gate({ limits: { perMinute: 2, timezone: 'UTC' } }, clock);
    expect(g.check(4)).toEqual({ go: true });
    await g.starting(4);
    expect(g.check(1).go).toBe(false);
  });

  it('perDay rolls over at midnight in Pacific/Auckland (UTC+13 in December), not at UTC midnight', async () => {
    // 23:58 on 2 December in Auckland.
    const clock = new TestClock(at('2026-12-02T10:58:00Z'));
    const g = gate({ limits: { perDay: 2, timezone: 'Pacific/Auckland' } }, clock);
    await g.starting(1);
    await g.starting(1);
    expect(g.check()).toMatchObject({ go: false, pause: { reason: 'limit', until: at('2026-12-02T11:00:00Z') } });
    clock.advance(2 * 60_000);
    expect(g.check()).toEqual({ go: true });
    expect(g.counts()).toEqual({ day: 0 });
  });

  it('perDay in America/New_York: the 25-hour day when DST ends and the 23-hour day when it starts', () => {
    // 1 November 2026: EDT midnight is 04:00Z, the next midnight (EST) 05:00Z the day after.
    expect(iso(windowEnd('day', at('2026-11-01T12:00:00Z'), 'America/New_York'))).toBe('2026-11-02T05:00:00.000Z');
    // 8 March 2026: EST midnight is 05:00Z, the next midnight (EDT) 04:00Z the day after.
    expect(iso(windowEnd('day', at('2026-03-08T06:00:00Z'), 'America/New_York'))).toBe('2026-03-09T04:00:00.000Z');
    expect(windowKey('day', at('2026-11-02T04:59:59Z'), 'America/New_York')).toBe('2026-11-01');
    expect(windowKey('day', at('2026-11-02T05:00:00Z'), 'America/New_York')).toBe('2026-11-02');
  });

  it('perHour: the hour repeated when DST ends is a window of its own; the skipped hour is no window', () => {
    // 01:30 EDT -> the hour ends at 01:00 EST (06:00Z), whose own hour ends at 02:00 EST (07:00Z).
    expect(iso(windowEnd('hour', at('2026-11-01T05:30:00Z'), 'America/New_York'))).toBe('2026-11-01T06:00:00.000Z');
    expect(iso(windowEnd('hour', at('2026-11-01T06:30:00Z'), 'America/New_York'))).toBe('2026-11-01T07:00:00.000Z');
    // 01:30 EST -> the next local hour is 03:00 EDT (07:00Z).
    expect(iso(windowEnd('hour', at('2026-03-08T06:30:00Z'), 'America/New_York'))).toBe('2026-03-08T07:00:00.000Z');
    // A zone 45 minutes off the hour: Asia/Kathmandu (UTC+5:45), 10:00 local is 04:15Z.
    expect(iso(windowEnd('hour', at('2026-12-02T04:00:00Z'), 'Asia/Kathmandu'))).toBe('2026-12-02T04:15:00.000Z');
  });

  it('Pacific/Auckland when DST starts (27 September 2026, 02:00 -> 03:00): the day ends at the next local midnight', () => {
    // 00:30 NZST on the 27th is 12:30Z on the 26th; that day has 23 hours, so it ends at 11:00Z on the 27th (00:00 NZDT).
    expect(iso(windowEnd('day', at('2026-09-26T12:30:00Z'), 'Pacific/Auckland'))).toBe('2026-09-27T11:00:00.000Z');
  });
});

describe('pacing: sending hours', () => {
  it('outside 08:00-20:00 Europe/Berlin: paused until 08:00 local the next morning', () => {
    // 20:30 CET.
    const clock = new TestClock(at('2026-12-02T19:30:00Z'));
    const g = gate({ sendWindow: { from: '08:00', to: '20:00', timezone: 'Europe/Berlin' } }, clock);
    const v = g.check();
    expect(v).toMatchObject({ go: false, pause: { reason: 'window', until: at('2026-12-03T07:00:00Z') } });
    if (!v.go && v.pause) expect(pauseText(v.pause)).toBe('outside send window until 2026-12-03T07:00:00.000Z (sends 08:00-20:00 Europe/Berlin)');
    clock.setWall(at('2026-12-03T07:00:00Z'));
    expect(g.check()).toEqual({ go: true });
    clock.setWall(at('2026-12-03T18:59:59Z'));
    expect(g.check()).toEqual({ go: true });
  });

  it('an overnight window (22:00-06:00) sends at night and waits through the day', () => {
    const w = { from: '22:00', to: '06:00', timezone: 'UTC' };
    expect(iso(nextWindowOpen(w, at('2026-12-02T12:00:00Z')))).toBe('2026-12-02T22:00:00.000Z');
    expect(iso(nextWindowOpen(w, at('2026-12-02T23:00:00Z')))).toBe('2026-12-02T23:00:00.000Z');
    expect(iso(nextWindowOpen(w, at('2026-12-03T05:59:00Z')))).toBe('2026-12-03T05:59:00.000Z');
    expect(iso(nextWindowOpen(w, at('2026-12-03T06:00:00Z')))).toBe('2026-12-03T22:00:00.000Z');
  });

  it('across DST changes: opens at the local time asked for, and after the skipped hour when that time does not exist', () => {
    const ny = (from: string, to: string): { from: string; to: string; timezone: string } => ({ from, to, timezone: 'America/New_York' });
    // The evening before DST ends (EDT), the window opens at 08:00 EST the next morning.
    expect(iso(nextWindowOpen(ny('08:00', '20:00'), at('2026-11-01T01:00:00Z')))).toBe('2026-11-01T13:00:00.000Z');
    // 02:30 does not exist on 8 March 2026: the window opens at 03:00 EDT (07:00Z).
    expect(iso(nextWindowOpen(ny('02:30', '04:00'), at('2026-03-08T05:00:00Z')))).toBe('2026-03-08T07:00:00.000Z');
  });
});

describe('pacing: counters survive a restart (real files)', () => {
  async function dir(): Promise<string> {
    const tmp = await makeTmpDir('katar-pacing-');
    cleanups.push(tmp.cleanup);
    return tmp.dir;
  }
  const limits = { perDay: 100, perHour: 50, timezone: 'Europe/Berlin' };

  it('a clean stop writes the exact counts; the next run goes on from them', async () => {
    const d = await dir();
    const clock = new TestClock(at('2026-12-02T10:00:00Z'));
    const a = gate({ limits }, clock, { dir: d });
    await a.load();
    for (let i = 0; i < 3; i++) await a.starting(1);
    await a.close();
    const saved = JSON.parse(await readFile(join(d, 'm0.json'), 'utf8')) as { windows: Record<string, { key: string; count: number }> };
    expect(saved.windows.day).toEqual({ key: '2026-12-02', count: 3 });
    const b = gate({ limits }, clock, { dir: d });
    await b.load();
    expect(b.counts()).toEqual({ hour: 3, day: 3 });
  });

  it('never under-counts after a crash: the file holds at least every send started, before it starts', async () => {
    const d = await dir();
    const clock = new TestClock(at('2026-12-02T10:00:00Z'));
    const a = gate({ limits }, clock, { dir: d });
    await a.load();
    for (let i = 1; i <= 25; i++) {
      await a.starting(1);
      const onDisk = JSON.parse(await readFile(join(d, 'm0.json'), 'utf8')) as { windows: Record<string, { count: number }> };
      expect(onDisk.windows.day!.count).toBeGreaterThanOrEqual(i);
      // A reserve, not a write per send: at most 10 parts ahead.
      expect(onDisk.windows.day!.count).toBeLessThanOrEqual(i + 10);
    }
    // No close(): the process died. The next run counts what the file holds.
    const b = gate({ limits }, clock, { dir: d });
    await b.load();
    expect(b.counts().day).toBeGreaterThanOrEqual(25);
  });

  it("yesterday's count does not count today (the day rolled over while the gateway was down)", async () => {
    const d = await dir();
    const clock = new TestClock(at('2026-12-02T22:30:00Z'));
    const a = gate({ limits: { perDay: 2, timezone: 'Europe/Berlin' } }, clock, { dir: d });
    await a.load();
    await a.starting(2);
    await a.close();
    expect(a.check().go).toBe(false);
    clock.advance(3_600_000); // 00:30 in Berlin
    const b = gate({ limits: { perDay: 2, timezone: 'Europe/Berlin' } }, clock, { dir: d });
    await b.load();
    expect(b.check()).toEqual({ go: true });
  });
});
