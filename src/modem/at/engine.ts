/**
 * The AT command engine: the thin I/O loop around the pure parts. Bytes from the port go
 * through the tokenizer and the line router; URCs are dispatched, everything else feeds
 * the state machine of the one command in flight. Commands run strictly one at a time
 * (a concurrency-1 queue); the engine knows nothing of SMS tasks or retries.
 */
import { EventEmitter } from 'node:events';
import { KatarError } from '../../errors.js';
import { errorText } from '../error-text.js';
import type { ModemPort } from '../port.js';
import { CommandMachine, ESC } from './command-machine.js';
import type { AtResponse, CommandRequest, MachineAction, MachineInput, SubmitResult, TimerName } from './command-machine.js';
import { deriveClaims, redactCommand } from './command-text.js';
import { LineRouter, NO_CLAIMS } from './line-router.js';
import type { RouteContext, Routed } from './line-router.js';
import { AtTokenizer } from './tokenizer.js';
import { UrcDispatcher, UrcRegistry } from './urc.js';
import type { UrcHandler, UrcSelector } from './urc.js';
import type { AtEngineEvents, AtEngineOptions, AtLogger, SendOptions, SubmitPduOptions } from './engine-types.js';

export type { AtResponse, SubmitResult } from './command-machine.js';
export type { AtEngineEvents, AtEngineOptions, AtLogger, NoiseReason, SendOptions, SubmitPduOptions } from './engine-types.js';

interface Job {
  req: CommandRequest;
  claims: string[];
  durations: Record<TimerName, number>;
  beforePdu?: (() => Promise<void>) | Promise<void>;
  resolve: (result: { response: AtResponse; submit?: SubmitResult }) => void;
  reject: (err: KatarError) => void;
}

interface Active {
  job: Job;
  machine: CommandMachine;
  timer?: ReturnType<typeof setTimeout>;
}

const noopLogger: AtLogger = { debug: () => {} };

/** Drives one modem over a ModemPort, one command at a time. */
export class AtEngine extends EventEmitter<AtEngineEvents> {
  private readonly tokenizer = new AtTokenizer();
  private readonly router: LineRouter;
  private readonly dispatcher: UrcDispatcher;
  private readonly log: AtLogger;
  private readonly queue: Job[] = [];
  private active: Active | undefined;
  private writes: Promise<void> = Promise.resolve();
  private isClosed = false;

  constructor(
    private readonly port: ModemPort,
    private readonly opts: AtEngineOptions = {},
  ) {
    super();
    this.log = opts.logger ?? noopLogger;
    const registry = new UrcRegistry();
    if (opts.urcs) registry.add(...opts.urcs);
    this.router = new LineRouter(registry);
    this.dispatcher = new UrcDispatcher((err, urc) => this.log.debug({ err, urc: urc.name }, 'urc handler threw'));
    port.on('data', (chunk: Buffer) => {
      // A bug in the tokenizer, the router or a driver's parser must not kill the
      // process (the queue shares it): the engine closes, the session reconnects.
      try {
        this.onData(chunk);
      } catch (err) {
        (this.log.error ?? this.log.debug).call(this.log, { err }, 'modem input could not be processed; reconnecting');
        this.shutdown(new KatarError('MODEM_CLOSED', `modem input could not be processed: ${errorText(err)}`, undefined, { cause: err }));
      }
    });
    port.on('error', (err: Error) => {
      this.log.debug({ err }, 'port error');
      this.emit('port-error', err);
    });
    port.on('close', (err?: Error | null) => this.shutdown(err ?? undefined));
  }

  /** True once the engine (or its port) has closed. */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Runs one command (without CR). Resolves on OK; rejects with CME_ERROR / CMS_ERROR
   * (`details.errorCode`), MODEM_ERROR (ERROR and vendor variants), MODEM_TIMEOUT or
   * MODEM_CLOSED.
   */
  async send(command: string, opts: SendOptions = {}): Promise<AtResponse> {
    checkCommand(command);
    const expect = opts.expect === undefined ? deriveClaims(command) : typeof opts.expect === 'string' ? [opts.expect] : [...opts.expect];
    const req: CommandRequest = { command };
    if (opts.finalOnPrefix) req.finalOnPrefix = opts.finalOnPrefix;
    const { response } = await this.enqueue(req, expect.map((e) => e.toUpperCase()), {
      response: opts.timeoutMs ?? this.opts.defaultTimeoutMs ?? 10_000,
      grace: opts.finalGraceMs ?? 500,
    });
    return response;
  }

  /**
   * Submits one PDU (AT+CMGS / AT+CMGW): command, prompt, PDU + Ctrl-Z, `+CMGS: <mr>`.
   * Every error carries `details.phase`: 'prompt' = nothing was submitted (safe to retry),
   * 'result' = the PDU was written. After the PDU, `+CMS ERROR` is a definite failure
   * (CMS_ERROR) while silence, a closed port or a modem reboot is OUTCOME_UNKNOWN.
   */
  async submitPdu(opts: SubmitPduOptions): Promise<SubmitResult> {
    const { beforePdu } = opts;
    // A promise handed in may reject while queued; it is observed later, not lost.
    if (beforePdu instanceof Promise) beforePdu.catch(() => {});
    checkCommand(opts.command, { phase: 'prompt' });
    if (!/^([0-9A-Fa-f]{2})+$/.test(opts.pdu)) {
      throw new KatarError('PDU_INVALID', 'PDU must be an even-length hex string', { phase: 'prompt' });
    }
    const req: CommandRequest = { command: opts.command, pdu: opts.pdu, awaitBeforePdu: beforePdu !== undefined };
    const job: Partial<Job> = beforePdu === undefined ? {} : { beforePdu };
    const { submit } = await this.enqueue(req, deriveClaims(opts.command), {
      prompt: opts.promptTimeoutMs ?? 10_000,
      result: opts.resultTimeoutMs ?? 60_000,
    }, job);
    if (!submit) throw new KatarError('INTERNAL', 'submit finished without a result', { phase: 'result' });
    return submit;
  }

  /** Subscribes to URCs by name (`'+CMTI'`) or predicate; returns the unsubscribe function. */
  onUrc(selector: UrcSelector, handler: UrcHandler): () => void {
    return this.dispatcher.on(selector, handler);
  }

  /**
   * Rejects the command in flight (MODEM_CLOSED, or OUTCOME_UNKNOWN for a submit whose PDU
   * was written) and everything queued (MODEM_CLOSED), then closes the port.
   */
  async close(): Promise<void> {
    this.shutdown(undefined);
    await this.port.close();
  }

  private enqueue(
    req: CommandRequest,
    claims: string[],
    durations: Partial<Record<TimerName, number>>,
    extra: Partial<Job> = {},
  ): Promise<{ response: AtResponse; submit?: SubmitResult }> {
    if (this.isClosed) {
      const details: Record<string, unknown> = { command: redactCommand(req.command) };
      if (req.pdu !== undefined) details.phase = 'prompt';
      return Promise.reject(new KatarError('MODEM_CLOSED', `${this.port.path}: engine closed`, details));
    }
    return new Promise((resolve, reject) => {
      const all: Record<TimerName, number> = {
        response: 10_000,
        prompt: 10_000,
        result: 60_000,
        grace: 500,
        escape: this.opts.escapeTimeoutMs ?? 2_000,
        ...durations,
      };
      this.queue.push({ ...extra, req, claims, durations: all, resolve, reject });
      queueMicrotask(() => this.pump());
    });
  }

  private pump(): void {
    if (this.active || this.isClosed) return;
    const job = this.queue.shift();
    if (!job) return;
    const machine = new CommandMachine(job.req);
    const active: Active = { job, machine };
    this.active = active;
    this.run(active, machine.input({ type: 'start' }));
    if (job.beforePdu !== undefined) {
      const hook = job.beforePdu;
      Promise.resolve()
        .then(() => (typeof hook === 'function' ? hook() : hook))
        .then(
          () => this.feed(active, { type: 'before-pdu-done' }),
          (error: unknown) => this.feed(active, { type: 'before-pdu-failed', error }),
        );
    }
  }

  private feed(active: Active, input: MachineInput): void {
    if (this.active !== active) return;
    this.run(active, active.machine.input(input));
  }

  private run(active: Active, actions: MachineAction[]): void {
    for (const action of actions) {
      switch (action.type) {
        case 'write':
          this.write(active, action.what, action.data);
          break;
        case 'arm-timer':
          clearTimeout(active.timer);
          active.timer = setTimeout(() => this.feed(active, { type: 'timeout', timer: action.timer }), active.job.durations[action.timer]);
          break;
        case 'clear-timer':
          clearTimeout(active.timer);
          break;
        case 'resolve':
          active.job.resolve(action.submit ? { response: action.response, submit: action.submit } : { response: action.response });
          break;
        case 'reject':
          this.log.debug({ code: action.error.code, details: action.error.details }, 'at command failed');
          active.job.reject(action.error);
          break;
        case 'ignored':
          this.log.debug({ text: action.text, reason: action.reason }, 'at line ignored');
          break;
        case 'done':
          clearTimeout(active.timer);
          if (this.active === active) this.active = undefined;
          queueMicrotask(() => this.pump());
          break;
      }
    }
  }

  private write(active: Active | undefined, what: 'command' | 'pdu' | 'escape', data: string): void {
    this.log.debug({ dir: '>>', what, data: printable(data) }, 'at wire');
    this.writes = this.writes.then(
      () => this.port.write(data),
    ).then(undefined, (error: unknown) => {
      this.log.debug({ err: error, what }, 'write failed');
      if (active) this.feed(active, { type: 'write-failed', what, error });
    });
  }

  private onData(chunk: Buffer): void {
    this.log.debug({ dir: '<<', data: printable(chunk.toString('latin1')) }, 'at wire');
    for (const token of this.tokenizer.push(chunk)) {
      for (const item of this.router.route(token, this.context())) this.handle(item);
    }
  }

  private context(): RouteContext {
    const active = this.active;
    return active ? { claims: active.job.claims, dialing: active.machine.isDialing } : NO_CLAIMS;
  }

  private handle(item: Routed): void {
    const active = this.active;
    switch (item.kind) {
      case 'urc':
        this.log.debug({ urc: item.urc.name, boot: item.urc.boot }, 'urc');
        if ((item.urc.boot || item.urc.powerDown) && active) this.feed(active, { type: 'reset', line: item.urc.line });
        this.dispatcher.dispatch(item.urc);
        this.emit('urc', item.urc);
        if (item.urc.boot) this.emit('boot', item.urc);
        break;
      case 'line':
        if (active) this.feed(active, { type: 'line', text: item.text });
        else this.emit('noise', item.text, 'unclaimed');
        break;
      case 'prompt':
        if (active) {
          this.feed(active, { type: 'prompt' });
        } else {
          // An SMS editor left open (e.g. by a previous run): close it before it eats a command.
          this.write(undefined, 'escape', ESC);
          this.emit('noise', '>', 'stray-prompt');
        }
        break;
      case 'noise':
        this.emit('noise', item.text, 'garbage');
        break;
    }
  }

  private shutdown(err: Error | undefined): void {
    if (this.isClosed) return;
    this.isClosed = true;
    const active = this.active;
    if (active) this.feed(active, { type: 'closed' });
    this.active = undefined;
    for (const job of this.queue.splice(0)) {
      const details: Record<string, unknown> = { command: redactCommand(job.req.command) };
      if (job.req.pdu !== undefined) details.phase = 'prompt';
      job.reject(new KatarError('MODEM_CLOSED', `${this.port.path}: closed before the command ran`, details, err ? { cause: err } : undefined));
    }
    this.tokenizer.reset();
    this.router.reset();
    this.emit('close', err);
  }
}

const FORBIDDEN = ['\r', '\n', '\x1a', '\x1b'];

function checkCommand(command: string, details?: Record<string, unknown>): void {
  if (FORBIDDEN.some((c) => command.includes(c))) {
    throw new KatarError('VALIDATION', 'AT command must not contain CR, LF, Ctrl-Z or ESC', details);
  }
}

function printable(data: string): string {
  return JSON.stringify(data).slice(1, -1);
}
