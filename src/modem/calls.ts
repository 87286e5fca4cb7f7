/**
 * Incoming voice calls. A modem announces a call with `RING` (or `+CRING: VOICE` after
 * AT+CRC=1), repeated every few seconds while it rings, each followed by
 * `+CLIP: "<number>",<type>[,<subaddr>,<satype>,<alpha>,<CLI validity>]` once AT+CLIP=1
 * is set (TS 27.007 §7.18). A ringing call holds the radio, and on many modems SMS wait
 * until it ends, so by default the call is rejected at once: `AT+CHUP` (TS 27.007 §6.5),
 * or `ATH` on firmware where only that ends an incoming call.
 */
import { isKatarError } from '../errors.js';
import type { SessionLogger } from './session/traits.js';
import type { ModemSessionApi } from './session/types.js';

/** What a URC says about a call. */
export type CallSignal =
  | { kind: 'ring' }
  | { kind: 'caller'; number: string; numberType?: number }
  /** `NO CARRIER` outside a dial: the caller gave up or the call was ended. */
  | { kind: 'ended' };

/** `"+27821231234",145,,,,0` → number and type; `""` (withheld) gives ''. */
export function parseClip(args: string): { number: string; numberType?: number } | undefined {
  const m = /^\s*(?:"([^"]*)"|([^,"]*))\s*(?:,\s*(\d+))?/.exec(args);
  if (!m) return undefined;
  const number = (m[1] ?? m[2] ?? '').trim();
  return m[3] === undefined ? { number } : { number, numberType: Number(m[3]) };
}

/** One incoming call as the gateway is told about it. */
export interface IncomingCall {
  /** The caller's number, in international form when the network gave its type 145; '' when withheld or not shown. */
  from: string;
  /** Whether the gateway hung up on it. */
  rejected: boolean;
}

/** The command that ends an incoming call on a modem. */
export type HangUpCommand = 'AT+CHUP' | 'ATH';

/** Settings of a {@link CallHandler}. */
export interface CallHandlerOptions {
  /** Hang up on every call (default true). */
  reject?: boolean;
  /** Called once per call, when its caller is known or `clipWaitMs` after its first RING. */
  onCall(call: IncomingCall): void;
  log: SessionLogger;
  /** How long to wait after RING for its +CLIP. Default 1 000 ms. */
  clipWaitMs?: number;
  /** A call without RING for this long has ended. Default 8 000 ms (modems ring every 3-6 s). */
  quietMs?: number;
}

type Session = Pick<ModemSessionApi, 'name' | 'quirks' | 'control' | 'on' | 'off'>;

interface Call {
  from?: string;
  announced: boolean;
  hangUps: number;
  lastHangUpAt: number;
  clipTimer?: ReturnType<typeof setTimeout>;
  quietTimer?: ReturnType<typeof setTimeout>;
}

const MAX_HANG_UPS = 3;
const HANG_UP_RETRY_MS = 2_000;

/** International form of a +CLIP number: type 145 means the number is international. */
function callerNumber(number: string, type: number | undefined): string {
  return type === 145 && number !== '' && !number.startsWith('+') ? `+${number}` : number;
}

/**
 * Watches one session for incoming calls: turns on caller id after every init, announces
 * each call once, and rejects it unless told not to. Commands go through the session's
 * command channel, so a hang-up waits for a submit in flight rather than cutting into it.
 */
export class CallHandler {
  private call: Call | undefined;
  private readonly detach: Array<() => void> = [];

  constructor(
    private readonly session: Session,
    private readonly opts: CallHandlerOptions,
  ) {}

  /** Starts watching. */
  start(): void {
    const onReady = (): void => void this.enableCallerId();
    const onCall = (s: CallSignal): void => this.signal(s);
    this.session.on('ready', onReady);
    this.session.on('call', onCall);
    this.detach.push(() => this.session.off('ready', onReady), () => this.session.off('call', onCall));
  }

  /** Stops watching and forgets a call in progress. */
  stop(): void {
    for (const d of this.detach.splice(0)) d();
    this.end();
  }

  /** Feeds one call signal (from the session's `call` event). */
  signal(s: CallSignal): void {
    if (s.kind === 'ended') return this.end();
    const call = this.call ?? this.begin();
    this.keepAlive(call);
    if (s.kind === 'caller') {
      call.from = callerNumber(s.number, s.numberType);
      this.announce(call);
    } else if (call.announced && this.rejecting && call.hangUps < MAX_HANG_UPS && Date.now() - call.lastHangUpAt > HANG_UP_RETRY_MS) {
      // Still ringing after a hang-up: that command did not end it.
      void this.hangUp(call);
    }
  }

  private get rejecting(): boolean {
    return this.opts.reject !== false;
  }

  private begin(): Call {
    const call: Call = { announced: false, hangUps: 0, lastHangUpAt: 0 };
    this.call = call;
    call.clipTimer = setTimeout(() => this.announce(call), this.opts.clipWaitMs ?? 1_000);
    call.clipTimer.unref?.();
    return call;
  }

  private keepAlive(call: Call): void {
    clearTimeout(call.quietTimer);
    call.quietTimer = setTimeout(() => {
      if (this.call === call) this.end();
    }, this.opts.quietMs ?? 8_000);
    call.quietTimer.unref?.();
  }

  private announce(call: Call): void {
    if (call.announced || this.call !== call) return;
    call.announced = true;
    clearTimeout(call.clipTimer);
    const rejected = this.rejecting;
    // The caller's number goes to the event, not the log (numbers stay out of the log, as for SMS).
    this.opts.log.info({ callerShown: Boolean(call.from), rejected }, rejected ? 'incoming call: rejecting it' : 'incoming call: left ringing (calls.reject is false)');
    try {
      this.opts.onCall({ from: call.from ?? '', rejected });
    } catch (err) {
      this.opts.log.warn({ err }, 'incoming call handler failed');
    }
    if (rejected) void this.hangUp(call);
  }

  private end(): void {
    const call = this.call;
    if (!call) return;
    clearTimeout(call.clipTimer);
    clearTimeout(call.quietTimer);
    this.call = undefined;
  }

  /** The driver's hang-up command, then the other one if the modem refused it. */
  private async hangUp(call: Call): Promise<void> {
    call.hangUps++;
    call.lastHangUpAt = Date.now();
    const first: HangUpCommand = this.session.quirks.hangUpCommand ?? 'AT+CHUP';
    const commands: HangUpCommand[] = [first, first === 'AT+CHUP' ? 'ATH' : 'AT+CHUP'];
    for (const command of commands) {
      try {
        await this.session.control(command, { expect: [] });
        this.opts.log.debug({ command }, 'call rejected');
        return;
      } catch (err) {
        if (!isKatarError(err, 'MODEM_ERROR', 'CME_ERROR')) {
          this.opts.log.warn({ err, command }, 'could not reject the incoming call');
          return;
        }
        this.opts.log.debug({ err, command }, 'hang-up command refused; trying the other one');
      }
    }
    this.opts.log.warn({ commands }, 'the modem refused every hang-up command; the call rings until the caller gives up');
  }

  private async enableCallerId(): Promise<void> {
    try {
      await this.session.control('AT+CLIP=1', { expect: [] });
    } catch (err) {
      this.opts.log.debug({ err }, 'AT+CLIP=1 failed: incoming calls are announced without the caller');
    }
  }
}
