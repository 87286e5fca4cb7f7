/**
 * Separates unsolicited results from the response to the command in flight. Pure: it sees
 * tokens plus what the pending command claims, and keeps only the state of a two-line URC
 * whose body line has not arrived yet (which may span a command boundary).
 */
import type { AtToken } from './tokenizer.js';
import { isPduModeHeader, makeUrc, UrcRegistry } from './urc.js';
import type { Urc, UrcSpec } from './urc.js';

/** What the pending command claims; an idle engine passes `NO_CLAIMS`. */
export interface RouteContext {
  /** Upper-case response prefixes (`+CREG`) that are response lines, not URCs. */
  claims: readonly string[];
  /** A dial/answer command is in flight: call-progress lines are its final result. */
  dialing: boolean;
}

/** The context of an idle engine. */
export const NO_CLAIMS: RouteContext = { claims: [], dialing: false };

/** A routed token. */
export type Routed =
  | { kind: 'urc'; urc: Urc }
  | { kind: 'line'; text: string }
  | { kind: 'prompt' }
  | { kind: 'noise'; text: string };

interface HeldHeader {
  spec: UrcSpec;
  name: string;
  line: string;
  args: string;
  pduMode: boolean;
}

/** Lines a quoted URC argument may span at most; beyond it the URC is delivered as it stands. */
const MAX_QUOTED_LINES = 32;

const FINAL_LIKE = /^(OK|ERROR|\+CM[ES] ERROR:.*)$/;

const quotesOpen = (text: string): boolean => (text.match(/"/g)?.length ?? 0) % 2 === 1;

/** Routes tokens to `urc` / `line` / `prompt` / `noise`. */
export class LineRouter {
  private held: HeldHeader | undefined;
  /** A URC whose quoted argument is still open (+CUSD with a multi-line menu). */
  private open: (HeldHeader & { lines: number }) | undefined;

  constructor(private readonly registry: UrcRegistry = new UrcRegistry()) {}

  /** Routes one token; a two-line URC header yields nothing until its body line arrives. */
  route(token: AtToken, ctx: RouteContext): Routed[] {
    const out: Routed[] = [];
    if (this.open) {
      if (token.kind !== 'line') return [token];
      const open = this.open;
      // A final result means the quote was never closed (a stray `"`): deliver what came, route the result.
      if (FINAL_LIKE.test(token.text)) {
        this.open = undefined;
        out.push({ kind: 'urc', urc: makeUrc(open.spec, open.name, open.line, open.args) });
      } else {
        open.line += `\n${token.text}`;
        open.args += `\n${token.text}`;
        if (quotesOpen(open.args) && ++open.lines < MAX_QUOTED_LINES) return out;
        this.open = undefined;
        return [{ kind: 'urc', urc: makeUrc(open.spec, open.name, open.line, open.args) }];
      }
    }
    if (this.held) {
      if (token.kind === 'noise') return [{ kind: 'noise', text: token.text }];
      const held = this.held;
      this.held = undefined;
      if (token.kind === 'line' && this.isBody(token.text, held)) {
        out.push({ kind: 'urc', urc: makeUrc(held.spec, held.name, held.line, held.args, token.text) });
        return out;
      }
      // The body never came (garbled or cut off): deliver the header alone, then route on.
      out.push({ kind: 'urc', urc: makeUrc(held.spec, held.name, held.line, held.args) });
    }
    if (token.kind !== 'line') {
      out.push(token);
      return out;
    }
    const hit = this.registry.match(token.text);
    if (!hit || this.claimed(hit.name, hit.spec, ctx)) {
      out.push({ kind: 'line', text: token.text });
      return out;
    }
    if (hit.spec.quotedMultiLine && quotesOpen(hit.args)) {
      this.open = { ...hit, line: token.text, pduMode: false, lines: 1 };
      return out;
    }
    if (hit.spec.twoLine?.(hit.args)) {
      this.held = { ...hit, line: token.text, pduMode: isPduModeHeader(hit.args) };
      return out;
    }
    out.push({ kind: 'urc', urc: makeUrc(hit.spec, hit.name, token.text, hit.args) });
    return out;
  }

  /** Drops a half-received two-line URC (port reopened). */
  reset(): void {
    this.held = undefined;
    this.open = undefined;
  }

  private claimed(name: string, spec: UrcSpec, ctx: RouteContext): boolean {
    if (spec.callProgress) return ctx.dialing;
    return ctx.claims.includes(name.toUpperCase());
  }

  /**
   * In PDU mode the body must be hex; anything else means the body was lost and this line
   * (maybe the `OK` the command waits for) must be routed normally. A text-mode body is
   * arbitrary text and is taken as is.
   */
  private isBody(text: string, held: HeldHeader): boolean {
    return held.pduMode ? /^[0-9A-Fa-f]+(,\d+)?$/.test(text) : true;
  }
}
