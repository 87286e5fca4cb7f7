import type { Outcome, PromptBody, SimContext, SimError } from './types.js';

/** Information lines followed by `OK`. */
export function ok(...lines: string[]): Outcome {
  return { kind: 'final', lines };
}

/** Information lines (if any) followed by an error final result. */
export function fail(error: SimError, ...lines: string[]): Outcome {
  return { kind: 'final', lines, error };
}

/** `+CME ERROR: <code>` (or ERROR / text, per AT+CMEE). */
export function cme(code: number): Outcome {
  return fail({ type: 'cme', code });
}

/** `+CMS ERROR: <code>` (or ERROR / text, per AT+CMEE). */
export function cms(code: number): Outcome {
  return fail({ type: 'cms', code });
}

/** Plain `ERROR`. */
export function error(): Outcome {
  return fail({ type: 'error' });
}

/** The personality's answer to an unknown command. */
export function unknown(): Outcome {
  return fail({ type: 'unknown-command' });
}

/**
 * Show the SMS prompt, collect the body until Ctrl-Z or ESC, then answer via `onBody`.
 * `repromptOnCr`: text mode prints a new prompt after every CR typed (Telit manual).
 */
export function prompt(onBody: (body: PromptBody, ctx: SimContext) => Outcome, repromptOnCr = false): Outcome {
  return { kind: 'prompt', onBody, repromptOnCr };
}

/** Answer after `ms` (through setTimeout, so fake timers drive it). */
export function later(ms: number, then: (ctx: SimContext) => Outcome): Outcome {
  return { kind: 'later', ms, then };
}

/** Read the command and answer nothing. */
export function silent(): Outcome {
  return { kind: 'silent' };
}
