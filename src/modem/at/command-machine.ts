/**
 * The lifecycle of one AT command as a pure state machine: fed routed lines, prompts,
 * timer expiries and port events; answers with actions (write, arm a timer, resolve,
 * reject, done). No I/O and no clocks, so every path is unit-testable.
 *
 *   plain:  idle → sent → completed | failed | timed-out
 *   submit: idle → awaiting-prompt → (prompted) → pdu-sent → completed | failed | timed-out
 *   after a rejection that left the modem's SMS editor possibly open: → escaping → terminal
 *
 * A submit (AT+CMGS) that fails before the PDU is written carries `phase: 'prompt'`
 * (nothing was sent, safe to retry); once the PDU is being written every error carries
 * `phase: 'result'`, and a missing answer is OUTCOME_UNKNOWN, never a failure: the modem
 * may have handed the message to the network, and a resend would duplicate it.
 */
import { KatarError } from '../../errors.js';
import type { ErrorCode } from '../../errors.js';
import { errorText } from '../error-text.js';
import { isDialCommand, isEcho, isPduEcho, redactCommand } from './command-text.js';
import type { AtResponse, CommandRequest, MachineAction, MachineInput, MachineState, SubmitResult, TimerName } from './machine-types.js';
import { finalToError, parseFinalResult } from './result-codes.js';

export type { AtResponse, CommandRequest, MachineAction, MachineInput, MachineState, SubmitResult, TimerName, WriteKind } from './machine-types.js';

type Terminal = 'completed' | 'failed' | 'timed-out';

/** Ctrl-Z ends the PDU (TS 27.005 §3.5.1). */
export const CTRL_Z = '\x1a';
/** ESC abandons the SMS editor; the modem acknowledges with OK and sends nothing. */
export const ESC = '\x1b';

/** One command's state machine. Create one per command. */
export class CommandMachine {
  private current: MachineState = 'idle';
  private armed: TimerName | undefined;
  private readonly lines: string[] = [];
  private cmgs: SubmitResult | undefined;
  private beforePduDone: boolean;
  private reprompted = false;
  private graceFinal = '';
  private settledFlag = false;
  private afterEscape: Terminal = 'failed';
  private readonly safeCommand: string;
  private readonly dialing: boolean;

  constructor(private readonly req: CommandRequest) {
    this.beforePduDone = !req.awaitBeforePdu;
    this.safeCommand = redactCommand(req.command);
    this.dialing = isDialCommand(req.command);
  }

  /** Current state. */
  get state(): MachineState {
    return this.current;
  }

  /** True once the caller's promise has been resolved or rejected. */
  get settled(): boolean {
    return this.settledFlag;
  }

  /** True once the modem is settled and the next command may be sent. */
  get done(): boolean {
    return this.current === 'completed' || this.current === 'failed' || this.current === 'timed-out';
  }

  /** True when the command is a dial/answer (call-progress lines are its finals). */
  get isDialing(): boolean {
    return this.dialing;
  }

  /** Feeds one input; returns the actions to perform. */
  input(ev: MachineInput): MachineAction[] {
    if (this.done) return [];
    if (ev.type === 'timeout' && ev.timer !== this.armed) return [];
    if (ev.type === 'start') return this.start();
    if (this.current === 'idle') return [];
    if (this.current === 'escaping') return this.onEscaping(ev);
    switch (ev.type) {
      case 'line':
        return this.onLine(ev.text);
      case 'prompt':
        return this.onPrompt();
      case 'before-pdu-done':
        this.beforePduDone = true;
        return this.current === 'prompted' ? this.writePdu() : [];
      case 'before-pdu-failed':
        return this.onBeforePduFailed(ev.error);
      case 'timeout':
        return this.onTimeout(ev.timer);
      case 'reset':
        return this.inFlightLost('MODEM_ERROR', 'modem-reset', `modem restarted (${ev.line})`);
      case 'closed':
        return this.inFlightLost('MODEM_CLOSED', 'port-closed', 'port closed');
      case 'write-failed':
        if (ev.what === 'escape') return [];
        return this.inFlightLost('MODEM_ERROR', 'write-failed', 'write failed', ev.error);
    }
    return [];
  }

  private get isSubmit(): boolean {
    return this.req.pdu !== undefined;
  }

  private start(): MachineAction[] {
    if (this.current !== 'idle') return [];
    this.current = this.isSubmit ? 'awaiting-prompt' : 'sent';
    return [{ type: 'write', what: 'command', data: `${this.req.command}\r` }, this.arm(this.isSubmit ? 'prompt' : 'response')];
  }

  private onLine(text: string): MachineAction[] {
    if (isEcho(text, this.req.command)) return [{ type: 'ignored', text, reason: 'echo' }];
    if (this.current === 'pdu-sent') return this.onResultLine(text);
    const final = parseFinalResult(text);
    const isFinal = final !== undefined && (final.kind !== 'call-progress' || this.dialing);
    if (this.current === 'sent') {
      if (final && isFinal) {
        if (final.kind === 'ok') return this.resolve({ lines: [...this.lines], final: final.line });
        return this.fail(finalToError(final, this.safeCommand));
      }
      this.lines.push(text);
      const prefix = this.req.finalOnPrefix;
      if (prefix && text.toUpperCase().startsWith(prefix.toUpperCase())) {
        this.graceFinal = text;
        return [this.arm('grace')];
      }
      return [];
    }
    // awaiting-prompt / prompted: the modem answered instead of (or after) prompting.
    if (final && isFinal) {
      if (final.kind === 'ok') return this.fail(this.error('MODEM_ERROR', 'OK without a prompt', 'no-prompt'));
      return this.fail(finalToError(final, this.safeCommand, { phase: 'prompt' }));
    }
    return [{ type: 'ignored', text, reason: 'before-pdu' }];
  }

  private onResultLine(text: string): MachineAction[] {
    if (isPduEcho(text, this.req.pdu ?? '')) return [{ type: 'ignored', text, reason: 'pdu-echo' }];
    const m = /^\+CMGS\s*:\s*(\d+)\s*(?:,\s*"?([^"]*)"?)?$/i.exec(text);
    if (m) {
      this.cmgs = { mr: Number(m[1]) };
      if (m[2]) this.cmgs.scts = m[2].trim();
      return [];
    }
    const final = parseFinalResult(text);
    if (!final || (final.kind === 'call-progress' && !this.dialing)) {
      this.lines.push(text);
      return [];
    }
    if (final.kind !== 'ok') return this.fail(finalToError(final, this.safeCommand, { phase: 'result' }));
    if (!this.cmgs) {
      // python-gsmmodem treats a bare OK as failure; we cannot know, and must not resend.
      return this.fail(this.error('OUTCOME_UNKNOWN', 'OK without +CMGS', 'ok-without-cmgs'));
    }
    return this.resolve({ lines: [...this.lines], final: final.line }, this.cmgs);
  }

  private onPrompt(): MachineAction[] {
    switch (this.current) {
      case 'awaiting-prompt':
        if (this.beforePduDone) return this.writePdu();
        this.current = 'prompted';
        return [];
      case 'pdu-sent':
        // The modem wants more input (length mismatch) or re-prompts after its echo.
        this.reprompted = true;
        return [{ type: 'ignored', text: '>', reason: 'prompt-after-pdu' }];
      case 'sent':
        // A plain command opened the SMS editor: close it, or the next command becomes SMS text.
        return this.escape(this.error('MODEM_ERROR', 'unexpected SMS prompt', 'unexpected-prompt'), 'failed');
      default:
        return [{ type: 'ignored', text: '>', reason: 'extra-prompt' }];
    }
  }

  private onBeforePduFailed(cause: unknown): MachineAction[] {
    const code: ErrorCode = cause instanceof KatarError ? cause.code : 'INTERNAL';
    const err = new KatarError(
      code,
      `${this.safeCommand}: aborted before the PDU: ${errorText(cause)}`,
      { ...(cause instanceof KatarError ? cause.details : {}), command: this.safeCommand, phase: 'prompt', reason: 'before-pdu-failed' },
      { cause },
    );
    if (this.current === 'prompted') return this.escape(err, 'failed');
    // No prompt yet: wait for it (under the running prompt timer) and ESC it then.
    this.afterEscape = 'failed';
    this.current = 'escaping';
    return [this.settle({ type: 'reject', error: err })];
  }

  private onTimeout(timer: TimerName): MachineAction[] {
    switch (timer) {
      case 'grace':
        return this.resolve({ lines: [...this.lines], final: this.graceFinal });
      case 'response':
        return this.finish('timed-out', { type: 'reject', error: this.error('MODEM_TIMEOUT', 'no final result', 'timeout') });
      case 'prompt':
        return this.escape(this.error('MODEM_TIMEOUT', this.current === 'prompted' ? 'prompt came but the PDU was not ready' : 'no SMS prompt', 'timeout'), 'timed-out');
      case 'result': {
        const err = this.error('OUTCOME_UNKNOWN', 'no answer after the PDU', 'timeout');
        if (this.reprompted) return this.escape(err, 'timed-out');
        return this.finish('timed-out', { type: 'reject', error: err });
      }
      default:
        return [];
    }
  }

  private onEscaping(ev: MachineInput): MachineAction[] {
    switch (ev.type) {
      case 'prompt':
        return [{ type: 'write', what: 'escape', data: ESC }, this.arm('escape')];
      case 'line':
        if (parseFinalResult(ev.text)) return this.finish(this.afterEscape);
        return [{ type: 'ignored', text: ev.text, reason: 'escaping' }];
      case 'timeout':
        // Aborted before any prompt was seen: one blind ESC in case the prompt was lost.
        if (ev.timer === 'prompt') return [{ type: 'write', what: 'escape', data: ESC }, this.arm('escape')];
        return this.finish(this.afterEscape);
      case 'reset':
      case 'closed':
        return this.finish(this.afterEscape);
      default:
        return [];
    }
  }

  /** The modem will not answer this command any more: reset, close, failed write. */
  private inFlightLost(code: ErrorCode, reason: string, what: string, cause?: unknown): MachineAction[] {
    if (this.current === 'pdu-sent') {
      return this.fail(this.error('OUTCOME_UNKNOWN', `${what} after the PDU was written`, reason, cause));
    }
    return this.fail(this.error(code, what, reason, cause));
  }

  private writePdu(): MachineAction[] {
    this.current = 'pdu-sent';
    return [{ type: 'write', what: 'pdu', data: `${this.req.pdu ?? ''}${CTRL_Z}` }, this.arm('result')];
  }

  private escape(err: KatarError, then: Terminal): MachineAction[] {
    this.afterEscape = then;
    this.current = 'escaping';
    return [this.settle({ type: 'reject', error: err }), { type: 'write', what: 'escape', data: ESC }, this.arm('escape')];
  }

  private resolve(response: AtResponse, submit?: SubmitResult): MachineAction[] {
    return this.finish('completed', submit ? { type: 'resolve', response, submit } : { type: 'resolve', response });
  }

  private fail(error: KatarError): MachineAction[] {
    return this.finish('failed', { type: 'reject', error });
  }

  private finish(state: Terminal, settle?: MachineAction): MachineAction[] {
    this.current = state;
    this.armed = undefined;
    const actions: MachineAction[] = [];
    if (settle) actions.push(this.settle(settle));
    actions.push({ type: 'clear-timer' }, { type: 'done' });
    return actions;
  }

  private settle(action: MachineAction): MachineAction {
    if (this.settledFlag) return { type: 'ignored', text: '', reason: 'already-settled' };
    this.settledFlag = true;
    return action;
  }

  private arm(timer: TimerName): MachineAction {
    this.armed = timer;
    return { type: 'arm-timer', timer };
  }

  private error(code: ErrorCode, what: string, reason: string, cause?: unknown): KatarError {
    const details: Record<string, unknown> = { command: this.safeCommand, reason };
    if (this.isSubmit) details.phase = this.current === 'pdu-sent' ? 'result' : 'prompt';
    return new KatarError(code, `${this.safeCommand}: ${what}`, details, cause === undefined ? undefined : { cause });
  }
}
