import { ok } from '../outcome.js';
import type { SimulatedModem } from '../sim-modem.js';
import type { SimBehaviour } from '../types.js';

/** One incoming call of the simulated network, as it went. */
export interface SimCall {
  from: string;
  /** RINGs the modem printed. */
  rings: number;
  /** How it ended: hung up by the host (`ATH`, `AT+CHUP`), or the caller gave up; absent while ringing. */
  endedBy?: 'ATH' | 'AT+CHUP' | 'caller';
}

interface CallState {
  /** `AT+CLIP=1`: a `+CLIP` line follows each RING. */
  clip: boolean;
  ringing?: SimCall;
  /** When the ringing call last rang (a power cycle stops its timer without a word). */
  lastRingAt: number;
  calls: SimCall[];
}

const states = new WeakMap<SimulatedModem, CallState>();

/** The call state of a simulated modem: caller id on or off, the call ringing, every call so far. */
export function callState(modem: SimulatedModem): CallState {
  let s = states.get(modem);
  if (!s) states.set(modem, (s = { clip: false, calls: [], lastRingAt: 0 }));
  return s;
}

/** Settings of {@link ringModem}. */
export interface RingOptions {
  /** Time between RINGs. Default 3 000 ms (modems ring every 3-6 s). */
  everyMs?: number;
  /** RINGs before the caller gives up (`NO CARRIER`). Default 10. */
  rings?: number;
}

/**
 * Someone calls the modem: `RING`, then `+CLIP: "<from>",<type>,,,,0` when caller id is on,
 * every `everyMs` until the host hangs up (ATH / AT+CHUP) or the caller gives up. A call
 * while another rings is busy for the caller and changes nothing here. A power cycle ends it.
 */
export function ringModem(modem: SimulatedModem, from: string, opts: RingOptions = {}): SimCall {
  const s = callState(modem);
  const everyMs = opts.everyMs ?? 3_000;
  const max = opts.rings ?? 10;
  if (s.ringing && Date.now() - s.lastRingAt <= 2 * everyMs) return s.ringing;
  const call: SimCall = { from, rings: 0 };
  s.ringing = call;
  s.lastRingAt = Date.now();
  s.calls.push(call);
  const ring = (): void => {
    if (s.ringing !== call) return;
    if (call.rings >= max) {
      call.endedBy = 'caller';
      s.ringing = undefined;
      modem.ctx.urc('NO CARRIER');
      return;
    }
    call.rings++;
    s.lastRingAt = Date.now();
    modem.ctx.urc('RING');
    if (s.clip) modem.ctx.urc(`+CLIP: "${from}",${from.startsWith('+') ? 145 : 129},,,,0`);
    modem.ctx.schedule(everyMs, ring);
  };
  modem.ctx.schedule(0, ring);
  return call;
}

/** `AT+CLIP`: caller id after each RING (27.007 §7.18). */
export const clip: SimBehaviour = {
  name: 'clip',
  match: (c) => c.name === '+CLIP',
  handle: (c, ctx) => {
    const s = callState(ctx.modem);
    if (c.kind === 'test') return ok('+CLIP: (0,1)');
    if (c.kind === 'read') return ok(`+CLIP: ${s.clip ? 1 : 0},1`);
    s.clip = c.args[0] === '1';
    return ok();
  },
};

/** `ATH` / `ATH0` / `AT+CHUP`: ends the ringing call (OK with none too). */
export const hangUp: SimBehaviour = {
  name: 'hang-up',
  match: (c) => c.name === '+CHUP' || /^H0?$/.test(c.name),
  handle: (c, ctx) => {
    const s = callState(ctx.modem);
    if (c.name === '+CHUP' && c.kind === 'test') return ok();
    const call = s.ringing;
    if (call) {
      call.endedBy = c.name === '+CHUP' ? 'AT+CHUP' : 'ATH';
      s.ringing = undefined;
    }
    return ok();
  },
};
