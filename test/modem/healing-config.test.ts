import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { HEALING_DEFAULTS } from '../../src/config/modem-identity.js';
import { imeiCheckDigitOk } from '../../src/modem/imei.js';
import { isKatarError } from '../../src/errors.js';

/** The CONFIG_INVALID error of a config, as {key, message}. */
function refused(raw: unknown): { key: unknown; message: string } {
  try {
    parseConfig(raw);
  } catch (err) {
    if (isKatarError(err, 'CONFIG_INVALID')) return { key: err.details?.key, message: err.message };
    throw err;
  }
  throw new Error('accepted');
}

describe('modems[i].imei and modems[i].healing in the config', () => {
  it('names a modem by path or by IMEI; healing is on by default', () => {
    const c = parseConfig({ modems: [{ name: 'a', path: '/dev/ttyUSB2' }, { name: 'b', imei: '490154203237518' }] });
    expect(c.modems[0]).toMatchObject({ name: 'a', path: '/dev/ttyUSB2', healing: HEALING_DEFAULTS });
    expect(c.modems[0]!.imei).toBeUndefined();
    expect(c.modems[1]).toMatchObject({ name: 'b', imei: '490154203237518' });
    expect(c.modems[1]!.path).toBeUndefined();
  });

  it('refuses both, neither, a malformed IMEI and a wrong check digit, naming the key', () => {
    expect(refused({ modems: [{ path: 'sim', imei: '490154203237518' }] })).toMatchObject({ key: 'modems[0].imei', message: expect.stringMatching(/and path are both given/) });
    expect(refused({ modems: [{ name: 'x' }] })).toMatchObject({ key: 'modems[0].path', message: expect.stringMatching(/is required .*or name the modem by "imei"/) });
    expect(refused({ modems: [{ path: 'sim' }, { imei: '4901542032375' }] })).toMatchObject({ key: 'modems[1].imei', message: expect.stringMatching(/must be the 15 digits/) });
    // A number is taken as its digits.
    expect(parseConfig({ modems: [{ imei: 490154203237518 }] }).modems[0]!.imei).toBe('490154203237518');
    expect(refused({ modems: [{ imei: '490154203237519' }] })).toMatchObject({ key: 'modems[0].imei', message: 'config: modems[0].imei "490154203237519" has a wrong check digit (the 15th): a typo?' });
    expect(refused({ modems: [{ path: '' }] })).toMatchObject({ key: 'modems[0].path' });
  });

  it('reads healing: false, or thresholds; refuses unknown keys and bad ranges by name', () => {
    expect(parseConfig({ modems: [{ path: 'sim', healing: false }] }).modems[0]!.healing.enabled).toBe(false);
    expect(parseConfig({ modems: [{ path: 'sim', healing: { silentAfter: 5, rebootWaitMs: 45_000, usbRebind: false } }] }).modems[0]!.healing).toEqual({ ...HEALING_DEFAULTS, silentAfter: 5, rebootWaitMs: 45_000, usbRebind: false });
    expect(refused({ modems: [{ path: 'sim', healing: { retries: 3 } }] })).toMatchObject({ key: 'modems[0].healing.retries' });
    expect(refused({ modems: [{ path: 'sim', healing: { silentAfter: 0 } }] })).toMatchObject({ key: 'modems[0].healing.silentAfter' });
    expect(refused({ modems: [{ path: 'sim', healing: { failedMinMs: 120_000, failedMaxMs: 60_000 } }] })).toMatchObject({ key: 'modems[0].healing.failedMaxMs' });
    expect(refused({ modems: [{ path: 'sim', healing: 'yes' }] })).toMatchObject({ key: 'modems[0].healing' });
  });

  it('checks the IMEI check digit as 3GPP TS 23.003 (Luhn over the first 14 digits)', () => {
    expect(imeiCheckDigitOk('490154203237518')).toBe(true);
    expect(imeiCheckDigitOk('353325110000019')).toBe(true);
    expect(imeiCheckDigitOk('353325110000018')).toBe(false);
  });
});
