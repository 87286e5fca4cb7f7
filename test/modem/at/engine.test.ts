import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isKatarError, KatarError } from '../../../src/errors.js';
import { AtEngine } from '../../../src/modem/at/engine.js';
import type { NoiseReason } from '../../../src/modem/at/engine.js';
import type { Urc } from '../../../src/modem/at/urc.js';
import { bytewise, every, FakePort, flush, rejection, whole } from './fake-port.js';
import type { Chunker } from './fake-port.js';

let port: FakePort;
let engine: AtEngine;
let urcs: Urc[];
let noise: Array<[string, NoiseReason]>;

beforeEach(() => {
  port = new FakePort();
  engine = new AtEngine(port);
  urcs = [];
  noise = [];
  engine.on('urc', (u) => urcs.push(u));
  engine.on('noise', (text, reason) => noise.push([text, reason]));
});

afterEach(() => {
  vi.useRealTimers();
});

describe('AtEngine: framing through the whole stack', () => {
  const endings = { 'CR LF': '\r\n', 'CR CR LF': '\r\r\n', 'bare CR': '\r', 'bare LF': '\n' };
  const chunkers: Record<string, Chunker> = { whole, 'byte at a time': bytewise, 'every 3 bytes': every(3) };

  for (const [endName, eol] of Object.entries(endings)) {
    for (const [chunkName, chunker] of Object.entries(chunkers)) {
      it(`${endName}, ${chunkName}: echo, response, mid-response URC, OK`, async () => {
        port.chunker = chunker;
        const reply = ['AT+CPMS?', '', '+CPMS: "SM",0,20,"SM",0,20,"SM",0,20', '', '+CMTI: "SM",1', '', 'OK', ''].join(eol);
        port.onWrite('AT+CPMS?\r', reply);
        const res = await engine.send('AT+CPMS?');
        expect(res).toEqual({ lines: ['+CPMS: "SM",0,20,"SM",0,20,"SM",0,20'], final: 'OK' });
        expect(urcs.map((u) => u.line)).toEqual(['+CMTI: "SM",1']);
      });
    }
  }

  it('a whole dialogue delivered byte by byte: three commands, URCs, a two-line URC', async () => {
    port.chunker = bytewise;
    port.onWrite('ATE0\r', 'ATE0\r\r\nOK\r\n');
    port.onWrite('AT+CSQ\r', '\r\n+CSQ: 18,99\r\n\r\n+CMT: ,5\r\n0011223344\r\n\r\nOK\r\n\r\n^RSSI:13\r\n');
    port.onWrite('AT+CREG?\r', '\r\n+CREG: 0,1\r\n\r\nOK\r\n');
    const a = engine.send('ATE0');
    const b = engine.send('AT+CSQ');
    const c = engine.send('AT+CREG?');
    expect(await a).toEqual({ lines: [], final: 'OK' });
    expect(await b).toEqual({ lines: ['+CSQ: 18,99'], final: 'OK' });
    expect(await c).toEqual({ lines: ['+CREG: 0,1'], final: 'OK' });
    expect(urcs.map((u) => [u.name, u.pdu])).toEqual([
      ['+CMT', '0011223344'],
      ['^RSSI', undefined],
    ]);
  });

  it('Huawei E303 raw bytes (gammu #327)', async () => {
    port.onWrite('AT+CPMS="ME","ME"\r', Buffer.from('AT+CPMS="ME","ME"\r\r\n+CPMS: 0,20,0,20,0,20\r\n\r\nOK\r\n', 'latin1'));
    expect(await engine.send('AT+CPMS="ME","ME"')).toEqual({ lines: ['+CPMS: 0,20,0,20,0,20'], final: 'OK' });
  });

  it('echo repeated twice (faucamp #56: "ATE0\\rATE0\\r") is dropped', async () => {
    port.onWrite('ATE0\r', 'ATE0\rATE0\r\r\nOK\r\n');
    expect(await engine.send('ATE0')).toEqual({ lines: [], final: 'OK' });
  });
});

describe('AtEngine: URCs vs responses', () => {
  it('+CREG is the response of AT+CREG? and a URC during AT+CSQ', async () => {
    port.onWrite('AT+CREG?\r', '\r\n+CREG: 2,1,"8BE3","2BAF"\r\n\r\nOK\r\n');
    port.onWrite('AT+CSQ\r', '\r\n+CREG: 1,8BE3,2BAF\r\n\r\n+CSQ: 4,0\r\n\r\nOK\r\n');
    expect((await engine.send('AT+CREG?')).lines).toEqual(['+CREG: 2,1,"8BE3","2BAF"']);
    expect((await engine.send('AT+CSQ')).lines).toEqual(['+CSQ: 4,0']);
    expect(urcs.map((u) => u.line)).toEqual(['+CREG: 1,8BE3,2BAF']);
  });

  it('expect overrides the derived claim', async () => {
    port.onWrite('AT+CREG?\r', '\r\n+CREG: 0,1\r\n\r\nOK\r\n');
    expect((await engine.send('AT+CREG?', { expect: [] })).lines).toEqual([]);
    expect(urcs.map((u) => u.name)).toEqual(['+CREG']);
    port.onWrite('AT$QCPMS\r', '\r\n+CPMS: 0,20\r\n\r\nOK\r\n');
    expect((await engine.send('AT$QCPMS', { expect: '+CPMS' })).lines).toEqual(['+CPMS: 0,20']);
  });

  it('two-line +CMT and +CDS between a response line and OK are dispatched whole', async () => {
    const cmt = '07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07';
    const cds = '079119890400202306400C91197909913764511090718384225110907183252200';
    port.onWrite('AT+CMGL=4\r', `\r\n+CMGL: 0,3,,18\r\n+CMT: ,23\r\n${cmt}\r\n0011000B817044763185F60000AD044D76F80C\r\n+CDS: 25\r\n${cds}\r\n\r\nOK\r\n`);
    const res = await engine.send('AT+CMGL=4');
    expect(res.lines).toEqual(['+CMGL: 0,3,,18', '0011000B817044763185F60000AD044D76F80C']);
    expect(urcs.map((u) => [u.name, u.args, u.pdu])).toEqual([
      ['+CMT', ',23', cmt],
      ['+CDS', '25', cds],
    ]);
  });

  it('onUrc subscribes by name and predicate; a throwing handler does not hurt the engine', async () => {
    const seen: string[] = [];
    const off = engine.onUrc('+CMTI', (u) => seen.push(`name:${u.args}`));
    engine.onUrc((u) => u.name.startsWith('^'), (u) => seen.push(`pred:${u.name}`));
    engine.onUrc('+CMTI', () => {
      throw new Error('handler bug');
    });
    port.receive('\r\n+CMTI: "SM",7\r\n\r\n^RSSI:25\r\n');
    off();
    port.receive('\r\n+CMTI: "SM",8\r\n');
    expect(seen).toEqual(['name:"SM",7', 'pred:^RSSI']);
    port.onWrite('AT\r', '\r\nOK\r\n');
    expect(await engine.send('AT')).toEqual({ lines: [], final: 'OK' });
  });

  it('a handler may send a command from inside a URC (python-gsmmodem +CMTI -> AT+CMGR)', async () => {
    port.onWrite('AT+CMGR=3\r', '\r\n+CMGR: 0,,24\r\n0791\r\n\r\nOK\r\n');
    const read = new Promise((resolve) => engine.onUrc('+CMTI', () => resolve(engine.send('AT+CMGR=3'))));
    port.receive('\r\n+CMTI: "SM",3\r\n');
    expect(await read).toEqual({ lines: ['+CMGR: 0,,24', '0791'], final: 'OK' });
  });

  it('NO CARRIER is a URC during a non-dial command', async () => {
    port.onWrite('AT+CSQ\r', '\r\nNO CARRIER\r\n\r\n+CSQ: 4,0\r\n\r\nOK\r\n');
    expect((await engine.send('AT+CSQ')).lines).toEqual(['+CSQ: 4,0']);
    expect(urcs.map((u) => u.name)).toEqual(['NO CARRIER']);
  });
});

describe('AtEngine: final results', () => {
  it.each([
    ['ERROR', 'MODEM_ERROR', undefined],
    ['+CME ERROR: 14', 'CME_ERROR', 14],
    ['+CME ERROR: SIM busy', 'CME_ERROR', 14],
    ['+CME ERROR: 100', 'CME_ERROR', 100],
    ['+CMS ERROR: 500', 'CMS_ERROR', 500],
    ['+CMS ERROR: 330', 'CMS_ERROR', 330],
    ['COMMAND NOT SUPPORT', 'MODEM_ERROR', undefined],
    ['MODEM ERROR: 3', 'MODEM_ERROR', 3],
    ['NA', 'MODEM_ERROR', undefined],
  ])('%s', async (final, code, errorCode) => {
    port.onWrite('AT+CSCA?\r', `AT+CSCA?\r\r\n${final}\r\n`);
    const err = await rejection(engine.send('AT+CSCA?'));
    expect(isKatarError(err)).toBe(true);
    const k = err as KatarError;
    expect(k.code).toBe(code);
    expect(k.details).toMatchObject({ command: 'AT+CSCA?', final });
    expect(k.details?.errorCode).toBe(errorCode);
  });

  it.each(['NO CARRIER', 'BUSY', 'NO ANSWER', 'NO DIALTONE'])('%s ends a dial command with MODEM_ERROR', async (final) => {
    port.onWrite('ATD+4915112345678;\r', `\r\n${final}\r\n`);
    const err = (await rejection(engine.send('ATD+4915112345678;'))) as KatarError;
    expect(err.code).toBe('MODEM_ERROR');
    expect(err.details?.command).toBe('ATD***');
    expect(err.message).not.toContain('4915112345678');
  });

  it('+CPIN: READY without OK (Wavecom) resolves after the grace period', async () => {
    vi.useFakeTimers();
    port.onWrite('AT+CPIN?\r', '\r\n+CPIN: READY\r\n');
    const p = engine.send('AT+CPIN?', { finalOnPrefix: '+CPIN', finalGraceMs: 300 });
    let done = false;
    void p.then(() => (done = true));
    await vi.advanceTimersByTimeAsync(299);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await p).toEqual({ lines: ['+CPIN: READY'], final: '+CPIN: READY' });
  });

  it('rejects commands with line breaks or control characters', async () => {
    expect(((await rejection(engine.send('AT\rAT'))) as KatarError).code).toBe('VALIDATION');
  });
});

describe('AtEngine: timeouts (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  it('plain command: MODEM_TIMEOUT after its own timeout, then the queue moves on', async () => {
    const slow = rejection(engine.send('AT+COPS=?', { timeoutMs: 5000 }));
    port.onWrite('AT\r', '\r\nOK\r\n');
    const next = engine.send('AT');
    await vi.advanceTimersByTimeAsync(4999);
    expect(port.writes).toEqual(['AT+COPS=?\r']);
    await vi.advanceTimersByTimeAsync(1);
    const err = (await slow) as KatarError;
    expect(err.code).toBe('MODEM_TIMEOUT');
    expect(err.details).toMatchObject({ command: 'AT+COPS=?', reason: 'timeout' });
    expect(await next).toEqual({ lines: [], final: 'OK' });
    expect(port.writes).toEqual(['AT+COPS=?\r', 'AT\r']);
  });

  it('uses defaultTimeoutMs', async () => {
    engine = new AtEngine(port, { defaultTimeoutMs: 1000 });
    const p = rejection(engine.send('AT'));
    await vi.advanceTimersByTimeAsync(1000);
    expect(((await p) as KatarError).code).toBe('MODEM_TIMEOUT');
  });

  it('a response arriving in time clears the timer', async () => {
    const p = engine.send('AT', { timeoutMs: 1000 });
    await vi.advanceTimersByTimeAsync(900);
    port.receive('\r\nOK\r\n');
    expect(await p).toEqual({ lines: [], final: 'OK' });
    await vi.advanceTimersByTimeAsync(5000);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('AtEngine: queue', () => {
  it('serialises concurrent sends in call order, one on the wire at a time', async () => {
    const a = engine.send('AT+CGMI');
    const b = engine.send('AT+CGMM');
    const c = engine.send('AT+CGMR');
    await flush();
    expect(port.writes).toEqual(['AT+CGMI\r']);
    port.receive('\r\nhuawei\r\n\r\nOK\r\n');
    await flush();
    expect(port.writes).toEqual(['AT+CGMI\r', 'AT+CGMM\r']);
    port.receive('\r\nE1752\r\n\r\nOK\r\n');
    await flush();
    port.receive('\r\n11.126.13.00.00\r\n\r\nOK\r\n');
    expect((await a).lines).toEqual(['huawei']);
    expect((await b).lines).toEqual(['E1752']);
    expect((await c).lines).toEqual(['11.126.13.00.00']);
    expect(port.writes).toEqual(['AT+CGMI\r', 'AT+CGMM\r', 'AT+CGMR\r']);
  });

  it('a failing command does not stall the ones behind it', async () => {
    port.onWrite('AT+WIND?\r', '\r\nCOMMAND NOT SUPPORT\r\n');
    port.onWrite('AT\r', '\r\nOK\r\n');
    const a = rejection(engine.send('AT+WIND?'));
    const b = engine.send('AT');
    expect(((await a) as KatarError).code).toBe('MODEM_ERROR');
    expect(await b).toEqual({ lines: [], final: 'OK' });
  });
});

describe('AtEngine: noise', () => {
  it('garbage between commands is noise; unclaimed lines while idle are noise', async () => {
    port.receive(Buffer.from([0xff, 0xfe, 0x80, 0x0d, 0x0a]));
    port.receive('\r\nstray line\r\n');
    expect(noise.map(([, r]) => r)).toEqual(['garbage', 'unclaimed']);
    expect(noise[1]?.[0]).toBe('stray line');
    port.onWrite('AT\r', '\r\nOK\r\n');
    expect(await engine.send('AT')).toEqual({ lines: [], final: 'OK' });
  });

  it('binary garbage and NULs mid-response do not enter the response', async () => {
    port.onWrite('AT+CSQ\r', Buffer.concat([Buffer.from('\r\n+CSQ: 18,99\r\n'), Buffer.from([0x00, 0xff, 0xc0, 0x0d, 0x0a, 0x00]), Buffer.from('\r\nOK\r\n')]));
    expect(await engine.send('AT+CSQ')).toEqual({ lines: ['+CSQ: 18,99'], final: 'OK' });
    // The binary line, then the lone NUL before the blank line.
    expect(noise.map(([, r]) => r)).toEqual(['garbage', 'garbage']);
  });

  it('a prompt while idle (editor left open by a previous run) is closed with ESC', async () => {
    port.receive('\r\n> ');
    await flush();
    expect(port.writes).toEqual(['\x1b']);
    expect(noise).toEqual([['>', 'stray-prompt']]);
  });
});

describe('AtEngine: boot lines, close, write failures', () => {
  it('a boot line mid-command fails it fast and emits boot', async () => {
    const boots: Urc[] = [];
    engine.on('boot', (u) => boots.push(u));
    const p = rejection(engine.send('AT+CSQ'));
    await flush();
    port.receive('\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\nSMS DONE\r\n');
    const err = (await p) as KatarError;
    expect(err.code).toBe('MODEM_ERROR');
    expect(err.details?.reason).toBe('modem-reset');
    expect(boots.map((b) => b.name)).toEqual(['RDY']);
    expect(urcs.map((u) => u.name)).toEqual(['RDY', '+CFUN', '+CPIN', 'SMS DONE']);
  });

  it('the port closing rejects the pending and queued commands and emits close', async () => {
    const closes: Array<Error | undefined> = [];
    engine.on('close', (e) => closes.push(e));
    const a = rejection(engine.send('AT+CSQ'));
    const b = rejection(engine.send('AT'));
    await flush();
    port.unplug(new Error('EIO'));
    expect(((await a) as KatarError).code).toBe('MODEM_CLOSED');
    expect(((await b) as KatarError).code).toBe('MODEM_CLOSED');
    expect(closes).toHaveLength(1);
    expect(engine.closed).toBe(true);
    expect(((await rejection(engine.send('AT'))) as KatarError).code).toBe('MODEM_CLOSED');
  });

  it('close() rejects everything with MODEM_CLOSED and closes the port', async () => {
    const a = rejection(engine.send('AT+CSQ'));
    const b = rejection(engine.send('AT'));
    await flush();
    await engine.close();
    expect(((await a) as KatarError).code).toBe('MODEM_CLOSED');
    expect(((await b) as KatarError).code).toBe('MODEM_CLOSED');
    expect(port.isOpen).toBe(false);
    await engine.close();
  });

  it('a failed write rejects with MODEM_ERROR and the queue continues', async () => {
    port.failNextWrite = new Error('EIO');
    const a = rejection(engine.send('AT+CSQ'));
    expect(((await a) as KatarError).details?.reason).toBe('write-failed');
    port.onWrite('AT\r', '\r\nOK\r\n');
    expect(await engine.send('AT')).toEqual({ lines: [], final: 'OK' });
  });

  it('a port error is surfaced as port-error, not thrown', () => {
    const errs: Error[] = [];
    engine.on('port-error', (e) => errs.push(e));
    port.emit('error', new Error('framing'));
    expect(errs).toHaveLength(1);
  });

  it('traces the wire at debug with direction markers', async () => {
    const entries: Array<Record<string, unknown>> = [];
    engine = new AtEngine(port, { logger: { debug: (obj) => entries.push(obj as Record<string, unknown>) } });
    port.onWrite('AT\r', '\r\nOK\r\n');
    await engine.send('AT');
    expect(entries).toContainEqual(expect.objectContaining({ dir: '>>', data: 'AT\\r' }));
    expect(entries).toContainEqual(expect.objectContaining({ dir: '<<', data: '\\r\\nOK\\r\\n' }));
  });
});

describe('AtEngine: vendor URCs', () => {
  it('drivers can add URCs', async () => {
    const e = new AtEngine(port, { urcs: [{ name: '#STN', match: 'prefix' }] });
    const seen: string[] = [];
    e.onUrc('#STN', (u) => seen.push(u.args));
    port.receive('\r\n#STN: 150,1,""\r\n');
    expect(seen).toEqual(['150,1,""']);
    expect(KatarError).toBeDefined();
  });
});
