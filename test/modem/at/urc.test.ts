import { describe, expect, it, vi } from 'vitest';
import { makeUrc, UrcDispatcher, UrcRegistry } from '../../../src/modem/at/urc.js';
import type { Urc } from '../../../src/modem/at/urc.js';

const registry = new UrcRegistry();

function urcOf(line: string): Urc | undefined {
  const hit = registry.match(line);
  return hit && makeUrc(hit.spec, hit.name, line, hit.args);
}

describe('UrcRegistry', () => {
  it.each([
    ['+CMTI: "SM",3', '+CMTI', '"SM",3'],
    ['+CMTI: "ME",0', '+CMTI', '"ME",0'],
    ['+CDSI: "SR",1', '+CDSI', '"SR",1'],
    ['+CMT: ,23', '+CMT', ',23'],
    ['+CDS:25', '+CDS', '25'],
    ['+CBM: 88', '+CBM', '88'],
    ['RING', 'RING', ''],
    ['+CRING: VOICE', '+CRING', 'VOICE'],
    ['+CLIP: "+27821231234",145,,,,0', '+CLIP', '"+27821231234",145,,,,0'],
    ['+CREG: 1,84CD,00D30156', '+CREG', '1,84CD,00D30156'],
    ['+CGREG: 0', '+CGREG', '0'],
    ['+CEREG: 3', '+CEREG', '3'],
    ['+CUSD: 0,"Balance",15', '+CUSD', '0,"Balance",15'],
    ['^RSSI:13', '^RSSI', '13'],
    ['^MODE:3,3', '^MODE', '3,3'],
    ['^BOOT:27710117,0,0,0,75', '^BOOT', '27710117,0,0,0,75'],
    ['^SMMEMFULL: "SM"', '^SMMEMFULL', '"SM"'],
    ['+ZDONR: "METEOR",272,3,"CS_ONLY","ROAM_OFF"', '+ZDONR', '"METEOR",272,3,"CS_ONLY","ROAM_OFF"'],
    ['+ZPASR: "UMTS"', '+ZPASR', '"UMTS"'],
    ['+ZUSIMR:2', '+ZUSIMR', '2'],
    ['RDY', 'RDY', ''],
    ['Call Ready', 'Call Ready', ''],
    ['SMS Ready', 'SMS Ready', ''],
    ['SMS DONE', 'SMS DONE', ''],
    ['PB DONE', 'PB DONE', ''],
    ['+CFUN: 1', '+CFUN', '1'],
    ['+CPIN: READY', '+CPIN', 'READY'],
    ['^SYSSTART', '^SYSSTART', ''],
    ['UNDER-VOLTAGE POWER DOWN', 'UNDER-VOLTAGE POWER DOWN', ''],
    ['UNDER-VOLTAGE WARNNING', 'UNDER-VOLTAGE WARNNING', ''],
    ['POWERED DOWN', 'POWERED DOWN', ''],
    ['+QIND: SMS DONE', '+QIND', 'SMS DONE'],
    ['NO CARRIER', 'NO CARRIER', ''],
  ])('%s', (line, name, args) => {
    const urc = urcOf(line);
    expect(urc?.name).toBe(name);
    expect(urc?.args).toBe(args);
    expect(urc?.line).toBe(line);
  });

  it.each(['+CSQ: 18,99', '+CMGS: 5', 'OK', '+CMTIX: 1', '+CMGL: 0,1,,35', '0791...', 'RINGING'])('%s is not a URC', (line) => {
    expect(registry.match(line)).toBeUndefined();
  });

  it('marks only genuine restarts as boot (not the periodic Huawei ^BOOT, not +CPIN/+CFUN)', () => {
    for (const line of ['RDY', 'SMS Ready', '^SYSSTART']) expect(urcOf(line)?.boot, line).toBe(true);
    for (const line of ['^BOOT:27710117,0,0,0,75', '+CFUN: 1', '+CPIN: READY', 'Call Ready', 'PB DONE', '^RSSI:9']) {
      expect(urcOf(line)?.boot, line).toBe(false);
    }
  });

  it('marks power-down announcements', () => {
    for (const line of ['UNDER-VOLTAGE POWER DOWN', 'NORMAL POWER DOWN', 'POWERED DOWN', '^SHUTDOWN']) {
      expect(urcOf(line)?.powerDown, line).toBe(true);
    }
    expect(urcOf('UNDER-VOLTAGE WARNNING')?.powerDown).toBeUndefined();
  });

  it('declares +CMT/+CBM two-line always and +CDS only in PDU mode', () => {
    const two = (line: string): boolean | undefined => {
      const hit = registry.match(line);
      return hit?.spec.twoLine?.(hit.args);
    };
    expect(two('+CMT: ,23')).toBe(true);
    expect(two('+CMT: "+79XXXXXXXXX","1","15/09/23,01:34:03+24"')).toBe(true);
    expect(two('+CDS: 24')).toBe(true);
    expect(two('+CDS: 2, 116, "+33146290800", 145, "98/10/01,12:30:07+04", "98/10/01 12:30:08+04", 0')).toBe(false);
    expect(two('+CMTI: "SM",1')).toBeUndefined();
  });

  it('accepts vendor additions', () => {
    const r = new UrcRegistry();
    expect(r.match('#STN: 150,1,""')).toBeUndefined();
    r.add({ name: '#STN', match: 'prefix' });
    expect(r.match('#STN: 150,1,""')?.name).toBe('#STN');
  });
});

describe('UrcDispatcher', () => {
  const cmti = urcOf('+CMTI: "SM",3')!;
  const rssi = urcOf('^RSSI:13')!;

  it('delivers by name (case-insensitive) and by predicate, and unsubscribes', () => {
    const d = new UrcDispatcher();
    const byName = vi.fn();
    const byPred = vi.fn();
    const off = d.on('+cmti', byName);
    d.on((u) => u.name.startsWith('^'), byPred);
    expect(d.dispatch(cmti)).toBe(1);
    expect(d.dispatch(rssi)).toBe(1);
    expect(byName).toHaveBeenCalledWith(cmti);
    expect(byPred).toHaveBeenCalledWith(rssi);
    off();
    expect(d.dispatch(cmti)).toBe(0);
  });

  it('isolates a throwing handler', () => {
    const onErr = vi.fn();
    const d = new UrcDispatcher(onErr);
    const good = vi.fn();
    d.on('+CMTI', () => {
      throw new Error('boom');
    });
    d.on('+CMTI', good);
    d.dispatch(cmti);
    expect(good).toHaveBeenCalledOnce();
    expect(onErr).toHaveBeenCalledOnce();
  });
});
