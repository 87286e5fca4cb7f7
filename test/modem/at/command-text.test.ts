import { describe, expect, it } from 'vitest';
import { deriveClaims, isDialCommand, isEcho, isPduEcho, redactCommand } from '../../../src/modem/at/command-text.js';

describe('command text', () => {
  it.each([
    ['AT+CREG?', ['+CREG']],
    ['AT+CSQ', ['+CSQ']],
    ['AT+CMGS=23', ['+CMGS']],
    ['at^sysinfo', ['^SYSINFO']],
    ['AT#QSS?', ['#QSS']],
    ['AT+CMEE=1;+CREG?', ['+CMEE', '+CREG']],
    ['ATI', []],
    ['ATE0', []],
  ])('%s claims %j', (cmd, claims) => {
    expect(deriveClaims(cmd)).toEqual(claims);
  });

  it('recognises dial and answer commands only', () => {
    expect(isDialCommand('ATD+4915112345678;')).toBe(true);
    expect(isDialCommand('ATA')).toBe(true);
    expect(isDialCommand('ATE0')).toBe(false);
    expect(isDialCommand('AT+CSQ')).toBe(false);
  });

  it('echo comparison is trimmed and case-insensitive', () => {
    expect(isEcho(' at+csq ', 'AT+CSQ')).toBe(true);
    expect(isEcho('+CSQ: 1,2', 'AT+CSQ')).toBe(false);
  });

  it('PDU echo with or without the prompt glued in front', () => {
    const pdu = '0011000B916407281553F80000AA0AE8329BFD4697D9EC37';
    expect(isPduEcho(pdu.toLowerCase(), pdu)).toBe(true);
    expect(isPduEcho(`> ${pdu}`, pdu)).toBe(true);
    expect(isPduEcho('+CMGS: 5', pdu)).toBe(false);
    expect(isPduEcho('>', pdu)).toBe(false);
  });

  it('redacts PINs, numbers and dial strings but leaves harmless commands alone', () => {
    expect(redactCommand('AT+CPIN="1234"')).toBe('AT+CPIN="***"');
    expect(redactCommand('AT+CPIN=1234')).toBe('AT+CPIN=***');
    expect(redactCommand('AT+CMGS="+27820000000"')).toBe('AT+CMGS="***"');
    expect(redactCommand('AT+CSCA="+31624000000",145')).toBe('AT+CSCA="***",145');
    expect(redactCommand('ATD+4915112345678;')).toBe('ATD***');
    expect(redactCommand('AT+CPMS="SM","SM","SM"')).toBe('AT+CPMS="SM","SM","SM"');
    expect(redactCommand('AT+CMGS=23')).toBe('AT+CMGS=23');
  });
});
