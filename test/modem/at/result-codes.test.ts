import { describe, expect, it } from 'vitest';
import { isKatarError } from '../../../src/errors.js';
import {
  CME_ERRORS,
  CMS_ERRORS,
  finalToError,
  isTransientError,
  lookupError,
  parseFinalResult,
} from '../../../src/modem/at/result-codes.js';

describe('parseFinalResult', () => {
  it.each([
    ['OK', 'ok', undefined],
    ['ERROR', 'error', undefined],
    ['+CME ERROR: 14', 'cme-error', 14],
    ['+CME ERROR:-1', 'cme-error', -1],
    ['+CME ERROR: SIM busy', 'cme-error', 'SIM busy'],
    ['+CMS ERROR: 500', 'cms-error', 500],
    ['+CMS ERROR: unknown error', 'cms-error', 'unknown error'],
    ['+CME ERROR: 3517', 'cme-error', 3517],
    ['COMMAND NOT SUPPORT', 'not-supported', undefined],
    ['MODEM ERROR: 3', 'modem-error', 3],
    ['NA', 'na', undefined],
    ['NO CARRIER', 'call-progress', undefined],
    ['BUSY', 'call-progress', undefined],
    ['NO ANSWER', 'call-progress', undefined],
    ['NO DIALTONE', 'call-progress', undefined],
  ])('%s', (line, kind, code) => {
    const r = parseFinalResult(line);
    expect(r?.kind).toBe(kind);
    expect(r?.code).toBe(code);
    expect(r?.line).toBe(line);
  });

  it.each(['+CMGS: 5', '+CSQ: 18,99', 'OKAY', 'RING', '> ', 'SMS Ready', '+CPIN: READY'])('%s is not final', (line) => {
    expect(parseFinalResult(line)).toBeUndefined();
  });
});

describe('error tables', () => {
  it('covers the codes an SMS gateway meets', () => {
    for (const n of [300, 301, 302, 303, 304, 305, 310, 311, 313, 314, 320, 321, 322, 330, 331, 332, 340, 500, 512, 513, 515, 516, 517, 535]) {
      expect(CMS_ERRORS.has(n), `CMS ${n}`).toBe(true);
    }
    for (const n of [3, 4, 10, 11, 12, 13, 14, 15, 16, 17, 18, 30, 100, 515]) expect(CME_ERRORS.has(n), `CME ${n}`).toBe(true);
  });

  it('marks the conditions that clear by themselves as transient', () => {
    expect(isTransientError('cme', 14)).toBe(true);
    expect(isTransientError('cme', 515)).toBe(true);
    expect(isTransientError('cms', 331)).toBe(true);
    expect(isTransientError('cms', 332)).toBe(true);
    expect(isTransientError('cms', 304)).toBe(false);
    expect(isTransientError('cme', 16)).toBe(false);
    expect(isTransientError('cms', 9999)).toBe(false);
  });

  it('maps verbose (CMEE=2) text back to the number', () => {
    expect(lookupError('cme', 'sim BUSY')?.code).toBe(14);
    expect(lookupError('cms', 'unknown error')?.code).toBe(500);
    expect(lookupError('cms', 'something else')).toBeUndefined();
  });
});

describe('finalToError', () => {
  it('CME with numeric errorCode and table details', () => {
    const err = finalToError(parseFinalResult('+CME ERROR: 14')!, 'AT+CSCA?');
    expect(isKatarError(err, 'CME_ERROR')).toBe(true);
    expect(err.details).toMatchObject({ command: 'AT+CSCA?', errorCode: 14, description: 'SIM busy', transient: true });
  });

  it('CMS verbose text known to the table becomes numeric', () => {
    const err = finalToError(parseFinalResult('+CMS ERROR: no network service')!, 'AT+CMGS=23', { phase: 'result' });
    expect(err.code).toBe('CMS_ERROR');
    expect(err.details).toMatchObject({ errorCode: 331, transient: true, phase: 'result' });
  });

  it('unknown verbose text is kept as text', () => {
    const err = finalToError(parseFinalResult('+CMS ERROR: weird thing')!, 'AT+CMGS=23');
    expect(err.details?.errorCode).toBe('weird thing');
  });

  it.each(['ERROR', 'COMMAND NOT SUPPORT', 'MODEM ERROR: 3', 'NA', 'NO CARRIER'])('%s is MODEM_ERROR', (line) => {
    const err = finalToError(parseFinalResult(line)!, 'AT+WIND?');
    expect(err.code).toBe('MODEM_ERROR');
    expect(err.details).toMatchObject({ command: 'AT+WIND?', final: line });
  });
});
