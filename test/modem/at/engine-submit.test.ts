/**
 * AT+CMGS through the engine. The line between phase 'prompt' (nothing sent, retry is
 * safe) and phase 'result' / OUTCOME_UNKNOWN (the PDU may be on its way) is what keeps
 * the gateway from sending an SMS twice, so every path is pinned here.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KatarError } from '../../../src/errors.js';
import { AtEngine } from '../../../src/modem/at/engine.js';
import type { Urc } from '../../../src/modem/at/urc.js';
import { bytewise, FakePort, flush, rejection } from './fake-port.js';

// Vector S01 (python-gsmmodem test_pdu.py, docs/hardware.md#test-vectors): "Hello World!" to +27820001111, no SMSC.
const PDU = '0001000B917228001011F100000CC8329BFD065DDF72363904';
const CMD = 'AT+CMGS=24';
const ESC = '\x1b';
const SUB = '\x1a';

let port: FakePort;
let engine: AtEngine;
let urcs: Urc[];

beforeEach(() => {
  vi.useFakeTimers();
  port = new FakePort();
  engine = new AtEngine(port);
  urcs = [];
  engine.on('urc', (u) => urcs.push(u));
});

afterEach(() => {
  vi.useRealTimers();
});

async function asKatar(p: Promise<unknown>): Promise<KatarError> {
  const err = await rejection(p);
  if (!(err instanceof KatarError)) throw new Error(`not a KatarError: ${String(err)}`);
  return err;
}

describe('submitPdu: success paths', () => {
  it('faucamp #44 timing: prompt after 86 ms, +CMGS: 64 after 14.4 s, +CDS 6 s later', async () => {
    const p = engine.submitPdu({ command: CMD, pdu: PDU });
    await flush();
    expect(port.writes).toEqual([`${CMD}\r`]);
    await vi.advanceTimersByTimeAsync(86);
    port.receive('\r\n> ');
    await flush();
    expect(port.writes).toEqual([`${CMD}\r`, `${PDU}${SUB}`]);
    await vi.advanceTimersByTimeAsync(14_400);
    port.receive('\r\n+CMGS: 64\r\n\r\nOK\r\n');
    expect(await p).toEqual({ mr: 64 });
    await vi.advanceTimersByTimeAsync(6_000);
    port.receive('\r\n+CDS: 25\r\n079119890400202306400C91197909913764511090718384225110907183252200\r\n');
    expect(urcs.map((u) => u.name)).toEqual(['+CDS']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('echo on: echoed command, prompt, echoed PDU with Ctrl-Z, result', async () => {
    port.onWrite(`${CMD}\r`, `${CMD}\r\r\n> `);
    port.onWrite(`${PDU}${SUB}`, `${PDU}${SUB}\r\n+CMGS: 5\r\n\r\nOK\r\n`);
    expect(await engine.submitPdu({ command: CMD, pdu: PDU })).toEqual({ mr: 5 });
  });

  it('echo on, PDU echoed on the prompt line (gammu #89: "> 0791...")', async () => {
    port.onWrite(`${CMD}\r`, `${CMD}\r\r\n> `);
    port.onWrite(`${PDU}${SUB}`, `${PDU}${SUB}`);
    const p = engine.submitPdu({ command: CMD, pdu: PDU });
    await flush();
    // Some modems re-send the prompt with the echoed text on one line.
    port.receive(`\r\n> ${PDU}\r\n\r\n+CMGS: 6\r\n\r\nOK\r\n`);
    expect(await p).toEqual({ mr: 6 });
  });

  it('SIM7670G bare ">" + CR LF prompt (gammu PR #1177 raw bytes)', async () => {
    port.onWrite(`${CMD}\r`, Buffer.from('41542b434d47533d32340d0d0a3e0d0a', 'hex'));
    port.onWrite(`${PDU}${SUB}`, '\r\n+CMGS: 12\r\n\r\nOK\r\n');
    expect(await engine.submitPdu({ command: CMD, pdu: PDU })).toEqual({ mr: 12 });
  });

  it('the whole dialogue byte by byte, with echo', async () => {
    port.chunker = bytewise;
    port.onWrite(`${CMD}\r`, `${CMD}\r\r\n> `);
    port.onWrite(`${PDU}${SUB}`, `${PDU}${SUB}\r\n+CMGS: 200\r\n\r\nOK\r\n`);
    expect(await engine.submitPdu({ command: CMD, pdu: PDU })).toEqual({ mr: 200 });
  });

  it('URCs before the prompt and between prompt and +CMGS (python-gsmmodem #11, ZTE)', async () => {
    port.onWrite(`${CMD}\r`, '\r\n+ZDONR: "METEOR",272,3,"CS_ONLY","ROAM_OFF"\r\n\r\n+ZPASR: "UMTS"\r\n\r\n> \r\n');
    port.onWrite(
      `${PDU}${SUB}`,
      [
        '',
        '+ZDONR: "METEOR",272,3,"CS_ONLY","ROAM_OFF"',
        '+ZPASR: "UMTS"',
        '+CMTI: "SM",7',
        '+ZDONR: "METEOR",272,3,"CS_PS","ROAM_OFF"',
        '+CDS: 24',
        '07914356060013F10659098136395339F6219011707193802190117071938030',
        '+ZPASR: "UMTS"',
        '+CMGS: 77',
        '',
        'OK',
        '',
      ].join('\r\n'),
    );
    expect(await engine.submitPdu({ command: CMD, pdu: PDU })).toEqual({ mr: 77 });
    expect(urcs.map((u) => u.name)).toEqual(['+ZDONR', '+ZPASR', '+ZDONR', '+ZPASR', '+CMTI', '+ZDONR', '+CDS', '+ZPASR']);
    expect(urcs.find((u) => u.name === '+CDS')?.pdu).toBe('07914356060013F10659098136395339F6219011707193802190117071938030');
  });

  it('+CMGS with SCTS', async () => {
    port.onWrite(`${CMD}\r`, '\r\n> ');
    port.onWrite(`${PDU}${SUB}`, '\r\n+CMGS: 9, "24/05/01,10:00:00+08"\r\n\r\nOK\r\n');
    expect(await engine.submitPdu({ command: CMD, pdu: PDU })).toEqual({ mr: 9, scts: '24/05/01,10:00:00+08' });
  });

  it('rejects a non-hex PDU before touching the modem', async () => {
    const err = await asKatar(engine.submitPdu({ command: CMD, pdu: 'zz' }));
    expect(err.code).toBe('PDU_INVALID');
    expect(port.writes).toEqual([]);
  });
});

describe('submitPdu: beforePdu', () => {
  it('starts with the command, runs concurrently with the prompt wait, and gates the PDU', async () => {
    const order: string[] = [];
    let finish!: () => void;
    const p = engine.submitPdu({
      command: CMD,
      pdu: PDU,
      beforePdu: () => {
        order.push(`hook started after ${port.writes.length} write(s)`);
        return new Promise<void>((r) => (finish = r));
      },
    });
    await flush();
    expect(order).toEqual(['hook started after 1 write(s)']);
    port.receive('\r\n> ');
    await flush();
    expect(port.writes).toEqual([`${CMD}\r`]);
    finish();
    await flush();
    expect(port.writes).toEqual([`${CMD}\r`, `${PDU}${SUB}`]);
    port.receive('\r\n+CMGS: 1\r\n\r\nOK\r\n');
    expect(await p).toEqual({ mr: 1 });
  });

  it('accepts an already running promise', async () => {
    let finish!: () => void;
    const marker = new Promise<void>((r) => (finish = r));
    port.onWrite(`${CMD}\r`, '\r\n> ');
    port.onWrite(`${PDU}${SUB}`, '\r\n+CMGS: 2\r\n\r\nOK\r\n');
    const p = engine.submitPdu({ command: CMD, pdu: PDU, beforePdu: marker });
    await flush();
    expect(port.writes).toEqual([`${CMD}\r`]);
    finish();
    expect(await p).toEqual({ mr: 2 });
  });

  it('rejecting before the prompt: phase prompt at once, ESC when the prompt comes, PDU never written', async () => {
    let fail!: (e: Error) => void;
    const p = asKatar(engine.submitPdu({ command: CMD, pdu: PDU, beforePdu: () => new Promise<void>((_, rej) => (fail = rej)) }));
    const next = engine.send('AT');
    await flush();
    fail(new KatarError('STORE_CORRUPT', 'fsync failed'));
    const err = await p;
    expect(err.code).toBe('STORE_CORRUPT');
    expect(err.details).toMatchObject({ phase: 'prompt', reason: 'before-pdu-failed', command: CMD });
    expect(port.writes).toEqual([`${CMD}\r`]);
    port.receive('\r\n> ');
    await flush();
    expect(port.writes).toEqual([`${CMD}\r`, ESC]);
    // Quectel/Telit acknowledge ESC with OK; only then may the next command go out.
    port.receive('\r\nOK\r\n');
    await flush();
    expect(port.writes).toEqual([`${CMD}\r`, ESC, 'AT\r']);
    port.receive('\r\nOK\r\n');
    expect(await next).toEqual({ lines: [], final: 'OK' });
    expect(port.writes.join('')).not.toContain(PDU);
  });

  it('rejecting after the prompt: ESC immediately', async () => {
    port.onWrite(`${CMD}\r`, '\r\n> ');
    const p = asKatar(
      engine.submitPdu({
        command: CMD,
        pdu: PDU,
        beforePdu: async () => {
          await flush(); // the prompt arrives meanwhile
          throw new Error('disk full');
        },
      }),
    );
    const err = await p;
    expect(err.code).toBe('INTERNAL');
    expect(err.details?.phase).toBe('prompt');
    await flush();
    expect(port.writes).toEqual([`${CMD}\r`, ESC]);
  });

  it('a beforePdu slower than the prompt timeout: MODEM_TIMEOUT phase prompt and ESC', async () => {
    port.onWrite(`${CMD}\r`, '\r\n> ');
    const p = asKatar(engine.submitPdu({ command: CMD, pdu: PDU, promptTimeoutMs: 5_000, beforePdu: () => new Promise<void>(() => {}) }));
    await vi.advanceTimersByTimeAsync(5_000);
    const err = await p;
    expect(err.code).toBe('MODEM_TIMEOUT');
    expect(err.details?.phase).toBe('prompt');
    expect(port.writes).toEqual([`${CMD}\r`, ESC]);
  });
});

describe('submitPdu: failures before the PDU (phase prompt, safe to retry)', () => {
  it('+CMS ERROR instead of a prompt', async () => {
    port.onWrite(`${CMD}\r`, '\r\n+CMS ERROR: 304\r\n');
    const err = await asKatar(engine.submitPdu({ command: CMD, pdu: PDU }));
    expect(err.code).toBe('CMS_ERROR');
    expect(err.details).toMatchObject({ phase: 'prompt', errorCode: 304 });
    expect(port.writes).toEqual([`${CMD}\r`]);
  });

  it('no prompt: ESC written, MODEM_TIMEOUT phase prompt, queue held until the ESC settles', async () => {
    const p = asKatar(engine.submitPdu({ command: CMD, pdu: PDU, promptTimeoutMs: 10_000 }));
    const next = engine.send('AT');
    await vi.advanceTimersByTimeAsync(9_999);
    expect(port.writes).toEqual([`${CMD}\r`]);
    await vi.advanceTimersByTimeAsync(1);
    const err = await p;
    expect(err.code).toBe('MODEM_TIMEOUT');
    expect(err.details).toMatchObject({ phase: 'prompt', reason: 'timeout' });
    expect(port.writes).toEqual([`${CMD}\r`, ESC]);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(port.writes).toEqual([`${CMD}\r`, ESC]);
    port.onWrite('AT\r', '\r\nOK\r\n');
    await vi.advanceTimersByTimeAsync(1);
    expect(await next).toEqual({ lines: [], final: 'OK' });
  });

  it('port closes before the prompt: MODEM_CLOSED phase prompt', async () => {
    const p = asKatar(engine.submitPdu({ command: CMD, pdu: PDU }));
    await flush();
    port.unplug();
    const err = await p;
    expect(err.code).toBe('MODEM_CLOSED');
    expect(err.details?.phase).toBe('prompt');
  });

  it('modem reboots before the prompt: MODEM_ERROR phase prompt', async () => {
    const p = asKatar(engine.submitPdu({ command: CMD, pdu: PDU }));
    await flush();
    port.receive('\r\nRDY\r\n');
    const err = await p;
    expect(err.code).toBe('MODEM_ERROR');
    expect(err.details).toMatchObject({ phase: 'prompt', reason: 'modem-reset' });
  });

  it('queued behind a closing engine: MODEM_CLOSED phase prompt, hook never run', async () => {
    const hook = vi.fn(async () => {});
    const first = rejection(engine.send('AT'));
    const p = asKatar(engine.submitPdu({ command: CMD, pdu: PDU, beforePdu: hook }));
    await flush();
    await engine.close();
    await first;
    const err = await p;
    expect(err.code).toBe('MODEM_CLOSED');
    expect(err.details?.phase).toBe('prompt');
    expect(hook).not.toHaveBeenCalled();
  });
});

describe('submitPdu: after the PDU (phase result)', () => {
  beforeEach(() => {
    port.onWrite(`${CMD}\r`, '\r\n> ');
  });

  /** Starts a submit and waits until its PDU is on the wire; returns the pending outcome. */
  async function submitted(resultTimeoutMs = 60_000): Promise<{ outcome: Promise<KatarError> }> {
    const outcome = asKatar(engine.submitPdu({ command: CMD, pdu: PDU, resultTimeoutMs }));
    await flush();
    expect(port.writes).toEqual([`${CMD}\r`, `${PDU}${SUB}`]);
    return { outcome };
  }

  it('+CMS ERROR is a definite failure with the numeric code', async () => {
    const { outcome: p } = await submitted();
    port.receive('\r\n+CMS ERROR: 331\r\n');
    const err = await p;
    expect(err.code).toBe('CMS_ERROR');
    expect(err.details).toMatchObject({ phase: 'result', errorCode: 331, transient: true, command: CMD });
  });

  it('node-pdu #22: echoed PDU on the prompt line, a second prompt, then +CMS ERROR: 513', async () => {
    const { outcome: p } = await submitted();
    port.receive(`\r\n> ${PDU}\r\n> `);
    await flush();
    port.receive('\r\n+CMS ERROR: 513\r\n');
    const err = await p;
    expect(err.code).toBe('CMS_ERROR');
    expect(err.details).toMatchObject({ phase: 'result', errorCode: 513 });
  });

  it('no answer before the result timeout is OUTCOME_UNKNOWN (no ESC: the editor is closed)', async () => {
    const { outcome: p } = await submitted(60_000);
    await vi.advanceTimersByTimeAsync(59_999);
    port.receive('\r\n+CMTI: "SM",1\r\n');
    await vi.advanceTimersByTimeAsync(1);
    const err = await p;
    expect(err.code).toBe('OUTCOME_UNKNOWN');
    expect(err.details).toMatchObject({ phase: 'result', reason: 'timeout', command: CMD });
    expect(port.writes).toEqual([`${CMD}\r`, `${PDU}${SUB}`]);
  });

  it('re-prompt after the PDU then silence: OUTCOME_UNKNOWN and ESC to close the editor', async () => {
    const { outcome: p } = await submitted(5_000);
    port.receive('\r\n> ');
    await vi.advanceTimersByTimeAsync(5_000);
    expect((await p).code).toBe('OUTCOME_UNKNOWN');
    expect(port.writes).toEqual([`${CMD}\r`, `${PDU}${SUB}`, ESC]);
  });

  it('port closes after the PDU: OUTCOME_UNKNOWN', async () => {
    const { outcome: p } = await submitted();
    port.unplug();
    const err = await p;
    expect(err.code).toBe('OUTCOME_UNKNOWN');
    expect(err.details).toMatchObject({ phase: 'result', reason: 'port-closed' });
  });

  it('engine.close() after the PDU: OUTCOME_UNKNOWN', async () => {
    const { outcome: p } = await submitted();
    await engine.close();
    expect((await p).code).toBe('OUTCOME_UNKNOWN');
  });

  it.each(['RDY', 'SMS Ready', '^SYSSTART', 'UNDER-VOLTAGE POWER DOWN', 'NORMAL POWER DOWN'])(
    'boot / power-down line %s mid-CMGS: OUTCOME_UNKNOWN',
    async (line) => {
      const { outcome: p } = await submitted();
      port.receive(`\r\n${line}\r\n`);
      const err = await p;
      expect(err.code).toBe('OUTCOME_UNKNOWN');
      expect(err.details).toMatchObject({ phase: 'result', reason: 'modem-reset' });
    },
  );

  it('SIM800 brown-out with garbage: noise, then the boot sequence -> OUTCOME_UNKNOWN and boot event', async () => {
    const boots: string[] = [];
    engine.on('boot', (u) => boots.push(u.name));
    const { outcome: p } = await submitted();
    port.receive(Buffer.from([0x00, 0xff, 0xfe, 0x0d, 0x0a]));
    port.receive('\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n');
    expect((await p).code).toBe('OUTCOME_UNKNOWN');
    expect(boots).toEqual(['RDY', 'SMS Ready']);
  });

  it('OK without +CMGS: OUTCOME_UNKNOWN', async () => {
    const { outcome: p } = await submitted();
    port.receive('\r\nOK\r\n');
    expect((await p).details).toMatchObject({ phase: 'result', reason: 'ok-without-cmgs' });
  });

});

describe('submitPdu: write failures', () => {
  it('the command write fails: MODEM_ERROR phase prompt', async () => {
    port.failNextWrite = new Error('EIO');
    const err = await asKatar(engine.submitPdu({ command: CMD, pdu: PDU }));
    expect(err.code).toBe('MODEM_ERROR');
    expect(err.details).toMatchObject({ phase: 'prompt', reason: 'write-failed' });
  });

  it('the PDU write fails: OUTCOME_UNKNOWN (some bytes may have left)', async () => {
    port.onWrite(`${CMD}\r`, () => {
      port.failNextWrite = new Error('EIO');
      return '\r\n> ';
    });
    const err = await asKatar(engine.submitPdu({ command: CMD, pdu: PDU }));
    expect(err.code).toBe('OUTCOME_UNKNOWN');
    expect(err.details).toMatchObject({ phase: 'result', reason: 'write-failed' });
  });
});
