import { describe, expect, it } from 'vitest';
import { KatarError } from '../../../src/errors.js';
import { CommandMachine, CTRL_Z, ESC } from '../../../src/modem/at/command-machine.js';
import type { MachineAction, MachineInput } from '../../../src/modem/at/command-machine.js';

const PDU = '0011000B916407281553F80000AA0AE8329BFD4697D9EC37';

/** Runs inputs and returns all actions. */
function drive(m: CommandMachine, ...inputs: MachineInput[]): MachineAction[] {
  return inputs.flatMap((i) => m.input(i));
}
const line = (text: string): MachineInput => ({ type: 'line', text });
const prompt: MachineInput = { type: 'prompt' };
const types = (actions: MachineAction[]): string[] =>
  actions.filter((a) => a.type !== 'ignored').map((a) => (a.type === 'write' ? `write:${a.what}` : a.type === 'arm-timer' ? `arm:${a.timer}` : a.type));

function rejected(actions: MachineAction[]): KatarError {
  const r = actions.find((a) => a.type === 'reject');
  if (!r || r.type !== 'reject') throw new Error(`no reject in ${JSON.stringify(types(actions))}`);
  return r.error;
}

function resolved(actions: MachineAction[]): Extract<MachineAction, { type: 'resolve' }> {
  const r = actions.find((a) => a.type === 'resolve');
  if (!r || r.type !== 'resolve') throw new Error(`no resolve in ${JSON.stringify(types(actions))}`);
  return r;
}

describe('CommandMachine: plain command', () => {
  it('idle -> sent -> completed, echo dropped, lines collected', () => {
    const m = new CommandMachine({ command: 'AT+CSQ' });
    expect(m.state).toBe('idle');
    const start = m.input({ type: 'start' });
    expect(start).toEqual([{ type: 'write', what: 'command', data: 'AT+CSQ\r' }, { type: 'arm-timer', timer: 'response' }]);
    expect(m.state).toBe('sent');
    const end = drive(m, line('AT+CSQ'), line('+CSQ: 18,99'), line('OK'));
    expect(resolved(end).response).toEqual({ lines: ['+CSQ: 18,99'], final: 'OK' });
    expect(types(end)).toEqual(['resolve', 'clear-timer', 'done']);
    expect(m.state).toBe('completed');
    expect(m.done).toBe(true);
    expect(m.input(line('OK'))).toEqual([]);
  });

  it('fails on an error final with the mapped code', () => {
    const m = new CommandMachine({ command: 'AT+CSCA?' });
    const err = rejected(drive(m, { type: 'start' }, line('+CME ERROR: 14')));
    expect(err.code).toBe('CME_ERROR');
    expect(err.details).toMatchObject({ errorCode: 14, command: 'AT+CSCA?' });
    expect(err.details?.phase).toBeUndefined();
    expect(m.state).toBe('failed');
  });

  it('times out only on the timer it armed', () => {
    const m = new CommandMachine({ command: 'AT' });
    m.input({ type: 'start' });
    expect(m.input({ type: 'timeout', timer: 'result' })).toEqual([]);
    const err = rejected(m.input({ type: 'timeout', timer: 'response' }));
    expect(err.code).toBe('MODEM_TIMEOUT');
    expect(m.state).toBe('timed-out');
  });

  it('finalOnPrefix: resolves after the grace period without OK, or on a late OK', () => {
    const a = new CommandMachine({ command: 'AT+CPIN?', finalOnPrefix: '+CPIN' });
    expect(types(drive(a, { type: 'start' }, line('+CPIN: READY')))).toEqual(['write:command', 'arm:response', 'arm:grace']);
    expect(resolved(a.input({ type: 'timeout', timer: 'grace' })).response).toEqual({ lines: ['+CPIN: READY'], final: '+CPIN: READY' });

    const b = new CommandMachine({ command: 'AT+CPIN?', finalOnPrefix: '+CPIN' });
    expect(resolved(drive(b, { type: 'start' }, line('+CPIN: READY'), line('OK'))).response.final).toBe('OK');
  });

  it('call-progress lines are finals only for dial commands', () => {
    const dial = new CommandMachine({ command: 'ATD+4915112345678;' });
    const err = rejected(drive(dial, { type: 'start' }, line('BUSY')));
    expect(err.code).toBe('MODEM_ERROR');
    expect(err.details?.command).toBe('ATD***');
    const plain = new CommandMachine({ command: 'AT+CLAC' });
    expect(resolved(drive(plain, { type: 'start' }, line('BUSY'), line('OK'))).response.lines).toEqual(['BUSY']);
  });

  it('an unexpected prompt is closed with ESC and the queue waits for its acknowledgement', () => {
    const m = new CommandMachine({ command: 'AT+CMGW' });
    const actions = drive(m, { type: 'start' }, prompt);
    expect(rejected(actions).details?.reason).toBe('unexpected-prompt');
    expect(actions).toContainEqual({ type: 'write', what: 'escape', data: ESC });
    expect(m.state).toBe('escaping');
    expect(m.settled).toBe(true);
    expect(types(m.input(line('OK')))).toEqual(['clear-timer', 'done']);
    expect(m.state).toBe('failed');
  });

  it('reset and close end a plain command', () => {
    const a = new CommandMachine({ command: 'AT+CSQ' });
    expect(rejected(drive(a, { type: 'start' }, { type: 'reset', line: 'RDY' })).details?.reason).toBe('modem-reset');
    const b = new CommandMachine({ command: 'AT+CSQ' });
    expect(rejected(drive(b, { type: 'start' }, { type: 'closed' })).code).toBe('MODEM_CLOSED');
  });
});

describe('CommandMachine: submit', () => {
  const submit = (awaitBeforePdu = false): CommandMachine => new CommandMachine({ command: 'AT+CMGS=23', pdu: PDU, awaitBeforePdu });

  it('writes the PDU + Ctrl-Z on the prompt and resolves with the MR', () => {
    const m = submit();
    expect(types(m.input({ type: 'start' }))).toEqual(['write:command', 'arm:prompt']);
    expect(m.state).toBe('awaiting-prompt');
    expect(m.input(line('AT+CMGS=23'))).toEqual([{ type: 'ignored', text: 'AT+CMGS=23', reason: 'echo' }]);
    const onPrompt = m.input(prompt);
    expect(onPrompt).toEqual([{ type: 'write', what: 'pdu', data: `${PDU}${CTRL_Z}` }, { type: 'arm-timer', timer: 'result' }]);
    expect(m.state).toBe('pdu-sent');
    const end = drive(m, line(PDU), line('+CMGS: 64'), line('OK'));
    expect(resolved(end).submit).toEqual({ mr: 64 });
  });

  it('parses the optional SCTS', () => {
    const m = submit();
    expect(resolved(drive(m, { type: 'start' }, prompt, line('+CMGS: 7,"24/01/02,10:11:12+04"'), line('OK'))).submit).toEqual({
      mr: 7,
      scts: '24/01/02,10:11:12+04',
    });
  });

  it('PDU waits for both prompt and before-pdu, in either order', () => {
    const a = submit(true);
    expect(types(drive(a, { type: 'start' }, prompt))).toEqual(['write:command', 'arm:prompt']);
    expect(a.state).toBe('prompted');
    expect(types(a.input({ type: 'before-pdu-done' }))).toEqual(['write:pdu', 'arm:result']);

    const b = submit(true);
    expect(types(drive(b, { type: 'start' }, { type: 'before-pdu-done' }))).toEqual(['write:command', 'arm:prompt']);
    expect(types(b.input(prompt))).toEqual(['write:pdu', 'arm:result']);
  });

  it('error before the prompt: phase prompt, no PDU', () => {
    const m = submit();
    const actions = drive(m, { type: 'start' }, line('+CMS ERROR: 304'));
    const err = rejected(actions);
    expect(err.code).toBe('CMS_ERROR');
    expect(err.details).toMatchObject({ phase: 'prompt', errorCode: 304 });
    expect(types(actions)).not.toContain('write:pdu');
  });

  it('OK instead of a prompt is a prompt-phase failure', () => {
    const err = rejected(drive(submit(), { type: 'start' }, line('OK')));
    expect(err.details).toMatchObject({ phase: 'prompt', reason: 'no-prompt' });
  });

  it('prompt timeout: ESC, MODEM_TIMEOUT phase prompt, then waits for the ESC acknowledgement', () => {
    const m = submit();
    m.input({ type: 'start' });
    const actions = m.input({ type: 'timeout', timer: 'prompt' });
    expect(types(actions)).toEqual(['reject', 'write:escape', 'arm:escape']);
    expect(rejected(actions).details).toMatchObject({ phase: 'prompt', reason: 'timeout' });
    expect(rejected(actions).code).toBe('MODEM_TIMEOUT');
    // A prompt that shows up late is escaped too.
    expect(types(m.input(prompt))).toEqual(['write:escape', 'arm:escape']);
    expect(types(m.input({ type: 'timeout', timer: 'escape' }))).toEqual(['clear-timer', 'done']);
    expect(m.state).toBe('timed-out');
  });

  it('before-pdu failing before the prompt: rejected at once, prompt escaped when it comes', () => {
    const m = submit(true);
    m.input({ type: 'start' });
    const failed = m.input({ type: 'before-pdu-failed', error: new KatarError('STORE_CORRUPT', 'fsync failed') });
    const err = rejected(failed);
    expect(err.code).toBe('STORE_CORRUPT');
    expect(err.details).toMatchObject({ phase: 'prompt', reason: 'before-pdu-failed' });
    expect(m.done).toBe(false);
    expect(types(m.input(prompt))).toEqual(['write:escape', 'arm:escape']);
    expect(types(m.input(line('OK')))).toEqual(['clear-timer', 'done']);
  });

  it('before-pdu failing after the prompt: ESC at once; plain errors become INTERNAL', () => {
    const m = submit(true);
    drive(m, { type: 'start' }, prompt);
    const actions = m.input({ type: 'before-pdu-failed', error: new Error('disk full') });
    expect(types(actions)).toEqual(['reject', 'write:escape', 'arm:escape']);
    expect(rejected(actions).code).toBe('INTERNAL');
  });

  it('before-pdu failing and the prompt never coming: one blind ESC after the prompt timer', () => {
    const m = submit(true);
    m.input({ type: 'start' });
    m.input({ type: 'before-pdu-failed', error: new Error('x') });
    expect(types(m.input({ type: 'timeout', timer: 'prompt' }))).toEqual(['write:escape', 'arm:escape']);
    expect(types(m.input({ type: 'timeout', timer: 'escape' }))).toEqual(['clear-timer', 'done']);
  });

  it('result timeout is OUTCOME_UNKNOWN, never a failure', () => {
    const m = submit();
    drive(m, { type: 'start' }, prompt);
    const actions = m.input({ type: 'timeout', timer: 'result' });
    const err = rejected(actions);
    expect(err.code).toBe('OUTCOME_UNKNOWN');
    expect(err.details).toMatchObject({ phase: 'result', reason: 'timeout' });
    expect(types(actions)).toEqual(['reject', 'clear-timer', 'done']);
  });

  it('a re-prompt after the PDU means the editor is still open: ESC on result timeout', () => {
    const m = submit();
    drive(m, { type: 'start' }, prompt, prompt);
    const actions = m.input({ type: 'timeout', timer: 'result' });
    expect(rejected(actions).code).toBe('OUTCOME_UNKNOWN');
    expect(types(actions)).toEqual(['reject', 'write:escape', 'arm:escape']);
  });

  it.each([
    ['+CMS ERROR: 500', 'CMS_ERROR', 500],
    ['+CME ERROR: 3', 'CME_ERROR', 3],
    ['ERROR', 'MODEM_ERROR', undefined],
  ])('%s after the PDU is a definite failure (phase result)', (final, code, errorCode) => {
    const m = submit();
    const err = rejected(drive(m, { type: 'start' }, prompt, line(final)));
    expect(err.code).toBe(code);
    expect(err.details?.phase).toBe('result');
    expect(err.details?.errorCode).toBe(errorCode);
  });

  it('OK without +CMGS is OUTCOME_UNKNOWN', () => {
    const err = rejected(drive(submit(), { type: 'start' }, prompt, line('OK')));
    expect(err.code).toBe('OUTCOME_UNKNOWN');
    expect(err.details?.reason).toBe('ok-without-cmgs');
  });

  it.each([
    [{ type: 'reset', line: 'RDY' } as MachineInput, 'MODEM_ERROR', 'modem-reset'],
    [{ type: 'closed' } as MachineInput, 'MODEM_CLOSED', 'port-closed'],
    [{ type: 'write-failed', what: 'command', error: new Error('EIO') } as MachineInput, 'MODEM_ERROR', 'write-failed'],
  ])('before the PDU, %j is a prompt-phase error', (input, code, reason) => {
    const err = rejected(drive(submit(), { type: 'start' }, input));
    expect(err.code).toBe(code);
    expect(err.details).toMatchObject({ phase: 'prompt', reason });
  });

  it.each([
    [{ type: 'reset', line: 'RDY' } as MachineInput, 'modem-reset'],
    [{ type: 'closed' } as MachineInput, 'port-closed'],
    [{ type: 'write-failed', what: 'pdu', error: new Error('EIO') } as MachineInput, 'write-failed'],
  ])('after the PDU, %j is OUTCOME_UNKNOWN', (input, reason) => {
    const err = rejected(drive(submit(), { type: 'start' }, prompt, input));
    expect(err.code).toBe('OUTCOME_UNKNOWN');
    expect(err.details).toMatchObject({ phase: 'result', reason });
  });

  it('ignores echoes of the command and of the PDU (with the prompt glued on)', () => {
    const m = submit();
    const actions = drive(m, { type: 'start' }, line('AT+CMGS=23'), prompt, line(`> ${PDU}`), line('+CMGS: 1'), line('OK'));
    expect(resolved(actions).response.lines).toEqual([]);
  });
});
