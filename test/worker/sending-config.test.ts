import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { modemSending, systemTimezone } from '../../src/config/modem-sending.js';
import { isKatarError } from '../../src/errors.js';

const modem = (extra: Record<string, unknown>): unknown => parseConfig({ modems: [{ name: 'm0', path: 'sim', ...extra }] }).modems[0];

function refused(extra: Record<string, unknown>): [unknown, string] | string {
  try {
    modem(extra);
    return 'accepted';
  } catch (err) {
    if (isKatarError(err, 'CONFIG_INVALID')) return [err.details?.key, err.message];
    throw err;
  }
}

describe('config: modems[].minIntervalMs, jitterMs, limits, sendWindow', () => {
  it('a parsed config parses again to itself (serve re-reads it with the flags applied)', () => {
    const once = parseConfig({ modems: [{ name: 'm0', path: 'sim', minIntervalMs: 5000, limits: { perDay: 300 }, sendWindow: { from: '22:00', to: '06:00', timezone: 'Pacific/Auckland' } }] });
    const twice = parseConfig({ ...once });
    expect(twice.modems).toEqual(once.modems);
    expect(modemSending(twice.modems[0]!)).toEqual({ minIntervalMs: 5000, jitterMs: 1000, limits: { perDay: 300, timezone: 'Pacific/Auckland' }, sendWindow: { from: '22:00', to: '06:00', timezone: 'Pacific/Auckland' } });
  });

  it('no pacing keys: no pacing (the default sends as fast as the modem goes)', () => {
    const plain = modem({}) as Record<string, unknown>;
    for (const k of ['minIntervalMs', 'jitterMs', 'limits', 'sendWindow']) expect(plain).not.toHaveProperty(k);
    expect(modemSending(plain)).toBeUndefined();
  });

  it('jitterMs defaults to 20% of minIntervalMs; limits count in the window zone, else the system zone', () => {
    expect(modem({ minIntervalMs: 3000 })).toMatchObject({ minIntervalMs: 3000, jitterMs: 600 });
    expect(modem({ limits: { perDay: 200 } })).toMatchObject({ minIntervalMs: 0, jitterMs: 0, limits: { perDay: 200, timezone: systemTimezone() } });
    expect(modem({ limits: { perDay: 200 }, sendWindow: { from: '08:00', to: '20:00', timezone: 'Europe/Berlin' } })).toMatchObject({
      limits: { perDay: 200, timezone: 'Europe/Berlin' },
      sendWindow: { from: '08:00', to: '20:00', timezone: 'Europe/Berlin' },
    });
    expect(modem({ limits: { perHour: 30, timezone: 'Pacific/Auckland' }, sendWindow: { from: '22:00', to: '06:00', timezone: 'UTC' } })).toMatchObject({
      limits: { timezone: 'Pacific/Auckland' },
      sendWindow: { from: '22:00', to: '06:00' },
    });
  });

  it.each([
    [{ minIntervalMs: -1 }, 'modems[0].minIntervalMs', 'config: modems[0].minIntervalMs must be an integer from 0 to 3600000'],
    [{ jitterMs: 1.5 }, 'modems[0].jitterMs', 'config: modems[0].jitterMs must be an integer from 0 to 3600000'],
    [{ limits: {} }, 'modems[0].limits', 'config: modems[0].limits must set at least one of perMinute, perHour, perDay'],
    [{ limits: { perDay: 0 } }, 'modems[0].limits.perDay', 'config: modems[0].limits.perDay must be an integer from 1 to 1000000'],
    [{ limits: { perMinute: 50, perHour: 20 } }, 'modems[0].limits.perMinute', 'config: modems[0].limits.perMinute (50) is more than perHour (20); it could never be reached'],
    [{ limits: { perWeek: 5 } }, 'modems[0].limits.perWeek', 'config: modems[0].limits.perWeek is not a known option (known here: perMinute, perHour, perDay, timezone)'],
    [{ limits: { perDay: 5, timezone: 'Mars/Olympus' } }, 'modems[0].limits.timezone', 'config: modems[0].limits.timezone "Mars/Olympus" is not a time zone this system knows (IANA names such as "Europe/Berlin", "Australia/Sydney", "UTC")'],
    [{ sendWindow: { from: '8:00', to: '20:00' } }, 'modems[0].sendWindow.from', 'config: modems[0].sendWindow.from must be "HH:MM", 24-hour local time from "00:00" to "23:59"'],
    [{ sendWindow: { from: '08:00' } }, 'modems[0].sendWindow.to', 'config: modems[0].sendWindow.to is required ("HH:MM", 24-hour local time)'],
    [{ sendWindow: { from: '08:00', to: '08:00' } }, 'modems[0].sendWindow.to', 'config: modems[0].sendWindow.to must differ from from (leave sendWindow out to send at any hour)'],
    [{ sendWindow: '08-20' }, 'modems[0].sendWindow', 'config: modems[0].sendWindow must be an object {from: "08:00", to: "20:00", timezone?}'],
  ])('refuses %j naming the key', (extra, key, message) => {
    expect(refused(extra)).toEqual([key, message]);
  });
});
