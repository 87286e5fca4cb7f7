import { parseCommandLine } from './command-parser.js';
import { errorLine, frameResponse } from './framing.js';
import { unknown } from './outcome.js';
import type { Outcome, ParsedCommand, PromptBody, SimContext, SimError } from './types.js';

const CTRL_Z = '\x1a';
const ESC = '\x1b';

/** What the interpreter needs from its modem. */
export interface InterpreterHost {
  ctx: SimContext;
  /** Whether the modem currently reads input but answers nothing. */
  silent(): boolean;
  /** Called for every AT command line received. */
  recordCommand(line: string): void;
  /** First matching behaviour's answer. */
  dispatch(cmd: ParsedCommand): Outcome | undefined;
  /** Bytes to the gateway. */
  output(text: string): void;
}

interface PendingPrompt {
  onBody: (body: PromptBody, ctx: SimContext) => Outcome;
  repromptOnCr: boolean;
  body: string;
  acc: string[];
  rest: ParsedCommand[];
}

/**
 * The device-side input loop: echoes bytes (E1), assembles command lines on `\r`,
 * runs their commands through the behaviours, collects the SMS body after a prompt,
 * and frames answers. Lines arriving while a command is still running are queued.
 */
export class AtInterpreter {
  private mode: 'command' | 'prompt' | 'busy' = 'command';
  private line = '';
  private queue: string[] = [];
  private pending: PendingPrompt | undefined;
  /** URCs to slip into the next response, between its information lines and final result. */
  midUrcs: string[] = [];

  constructor(private readonly host: InterpreterHost) {}

  /** Forget everything in flight (reboot). */
  reset(): void {
    this.mode = 'command';
    this.line = '';
    this.queue = [];
    this.pending = undefined;
    this.midUrcs = [];
  }

  /** Bytes from the gateway. */
  receive(data: Buffer): void {
    const text = data.toString('latin1');
    let echo = '';
    const flushEcho = (): void => {
      if (echo !== '' && this.host.ctx.settings.echo && !this.host.silent()) this.host.output(echo);
      echo = '';
    };
    for (const ch of text) {
      if (this.mode === 'prompt' && this.pending) {
        if (ch === CTRL_Z || ch === ESC) {
          flushEcho();
          this.finishBody(ch === CTRL_Z ? 'submit' : 'abort');
          continue;
        }
        echo += ch;
        this.pending.body += ch;
        if (ch === '\r' && this.pending.repromptOnCr) {
          flushEcho();
          this.host.output(this.host.ctx.personality.prompt);
        }
        continue;
      }
      if (ch !== CTRL_Z && ch !== ESC) echo += ch;
      if (ch === ESC) this.line = ''; // gammu starts with ESC CR to abort a stale editor
      else if (ch === '\r') {
        flushEcho();
        this.queue.push(this.line);
        this.line = '';
        this.drain();
      } else if (ch !== '\n') this.line += ch;
    }
    flushEcho();
  }

  private drain(): void {
    while (this.mode === 'command' && this.queue.length > 0) {
      const line = this.queue.shift() ?? '';
      const cmds = parseCommandLine(line);
      if (!cmds) continue; // real modems ignore lines that do not start with AT
      this.host.recordCommand(line.trim());
      if (this.host.silent()) continue;
      this.mode = 'busy';
      this.run(cmds, []);
    }
  }

  private run(cmds: ParsedCommand[], acc: string[]): void {
    const [cmd, ...rest] = cmds;
    if (!cmd) return this.finish(acc);
    this.settle(this.host.dispatch(cmd) ?? unknown(), acc, rest);
  }

  private settle(outcome: Outcome, acc: string[], rest: ParsedCommand[]): void {
    const ctx = this.host.ctx;
    switch (outcome.kind) {
      case 'final':
        acc.push(...outcome.lines);
        if (outcome.error) return this.finish(acc, outcome.error);
        return this.run(rest, acc);
      case 'later':
        ctx.schedule(outcome.ms, () => this.settle(outcome.then(ctx), acc, rest));
        return;
      case 'prompt':
        this.pending = { onBody: outcome.onBody, repromptOnCr: outcome.repromptOnCr ?? false, body: '', acc, rest };
        this.mode = 'prompt';
        this.host.output(this.takeMidUrcs() + ctx.personality.prompt);
        return;
      case 'silent':
        this.mode = 'command';
        this.drain();
    }
  }

  private finishBody(end: 'submit' | 'abort'): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    this.mode = 'busy';
    this.settle(p.onBody({ text: p.body, end }, this.host.ctx), p.acc, p.rest);
  }

  private finish(acc: string[], error?: SimError): void {
    const { settings, personality } = this.host.ctx;
    const final = error ? errorLine(error, settings.cmee, personality) : 'OK';
    const urcs = this.midUrcs;
    this.midUrcs = [];
    this.host.output(frameResponse(acc, urcs, final, personality));
    this.mode = 'command';
    this.drain();
  }

  private takeMidUrcs(): string {
    const out = this.midUrcs.map((u) => `\r\n${u}\r\n`).join('');
    this.midUrcs = [];
    return out;
  }
}
