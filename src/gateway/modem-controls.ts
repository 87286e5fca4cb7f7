import { KatarError } from '../errors.js';
import type { UssdRequestOptions, UssdResult } from '../modem/ussd.js';

export type { UssdRequestOptions, UssdResult } from '../modem/ussd.js';

/** What can be asked of one built-in modem beyond SMS. */
export interface ModemControl {
  /** Sends a USSD code; USSD_BUSY while a session is open, MODEM_NOT_READY, USSD_TIMEOUT. */
  ussd(code: string, opts?: UssdRequestOptions): Promise<UssdResult>;
  /** Answers an open USSD menu; USSD_NO_SESSION when none is open. */
  ussdReply(text: string, opts?: UssdRequestOptions): Promise<UssdResult>;
  /** Ends the USSD session (`AT+CUSD=2`). */
  ussdCancel(): Promise<{ cancelled: boolean }>;
}

/** The latest balance a modem's periodic check read. */
export interface ModemBalance {
  /** The network's answer as decoded. */
  text: string;
  /** The amount the configured pattern found; absent when it found none. */
  amount?: number;
  /** ISO 8601. */
  at: string;
}

/**
 * The built-in modems' controls by name, filled by their workers as they start (and
 * emptied as they stop): USSD for the HTTP API, and the latest balance for /metrics.
 * Modems of remote workers are not here: their USSD runs on their own machine.
 */
export class ModemControls {
  readonly #controls = new Map<string, ModemControl>();
  readonly #balances = new Map<string, ModemBalance>();

  /** Registers a modem's controls; returns the function that removes them. */
  register(name: string, control: ModemControl): () => void {
    this.#controls.set(name, control);
    return () => {
      if (this.#controls.get(name) === control) this.#controls.delete(name);
    };
  }

  /** The controls of `name`; MODEM_NOT_FOUND for a modem this gateway does not drive. */
  get(name: string): ModemControl {
    const c = this.#controls.get(name);
    if (!c) throw new KatarError('MODEM_NOT_FOUND', `no built-in modem named "${name}" (modems: ${[...this.#controls.keys()].join(', ') || 'none'})`, { field: 'name' });
    return c;
  }

  /** Names of the registered modems, in registration order. */
  names(): string[] {
    return [...this.#controls.keys()];
  }

  /** Records a modem's latest balance. */
  setBalance(name: string, balance: ModemBalance): void {
    this.#balances.set(name, balance);
  }

  /** The latest balance of every modem that has one. */
  balances(): Array<[string, ModemBalance]> {
    return [...this.#balances.entries()];
  }
}
