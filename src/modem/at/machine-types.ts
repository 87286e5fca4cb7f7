/**
 * The vocabulary of the command state machine: what it is asked to run, what it is fed,
 * what it answers. Kept apart so the engine and tests can name them without the logic.
 */
import type { KatarError } from '../../errors.js';

/** A successful command's answer: intermediate lines (no echo, no URCs) and the final line. */
export interface AtResponse {
  lines: string[];
  final: string;
}

/** A successful submit: the message reference the modem assigned, and the optional SCTS. */
export interface SubmitResult {
  mr: number;
  scts?: string;
}

/** What to run. */
export interface CommandRequest {
  /** Command text without the terminating CR, e.g. `AT+CSQ`. */
  command: string;
  /** Present for a submit: hex written after the prompt, followed by Ctrl-Z. */
  pdu?: string;
  /** Submit only: the PDU also waits for `before-pdu-done` (caller's hook). */
  awaitBeforePdu?: boolean;
  /** A line with this prefix ends the response (after a short grace for a late `OK`). */
  finalOnPrefix?: string;
}

/** The timers the machine asks for; the engine maps each to a duration. */
export type TimerName = 'response' | 'prompt' | 'result' | 'grace' | 'escape';

/** What was written. */
export type WriteKind = 'command' | 'pdu' | 'escape';

/** Inputs. */
export type MachineInput =
  | { type: 'start' }
  | { type: 'line'; text: string }
  | { type: 'prompt' }
  | { type: 'before-pdu-done' }
  | { type: 'before-pdu-failed'; error: unknown }
  | { type: 'timeout'; timer: TimerName }
  /** A boot or power-down line: the modem restarted, nothing in flight will be answered. */
  | { type: 'reset'; line: string }
  | { type: 'closed' }
  | { type: 'write-failed'; what: WriteKind; error: unknown };

/** Outputs, to be carried out in order. */
export type MachineAction =
  | { type: 'write'; what: WriteKind; data: string }
  | { type: 'arm-timer'; timer: TimerName }
  | { type: 'clear-timer' }
  | { type: 'resolve'; response: AtResponse; submit?: SubmitResult }
  | { type: 'reject'; error: KatarError }
  | { type: 'ignored'; text: string; reason: string }
  /** The modem is settled; the next command may start. */
  | { type: 'done' };

/** Where the command is. */
export type MachineState =
  | 'idle'
  | 'sent'
  | 'awaiting-prompt'
  | 'prompted'
  | 'pdu-sent'
  | 'escaping'
  | 'completed'
  | 'failed'
  | 'timed-out';
