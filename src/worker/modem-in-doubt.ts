import { isKatarError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ModemSessionApi } from '../modem/session/types.js';
import { pause } from './pause.js';

/**
 * Not-started failures (AT+CMGS=<n> got no prompt: the PDU was never written) of one task
 * on one modem that are given back uncounted; the next one is a failed attempt as any
 * other, so a modem that always fails this way cannot bounce a task for ever unrecorded
 * (the queue's retry limit then ends it).
 */
export const NOT_STARTED_RELEASES = 2;
/** Tasks remembered per modem; the oldest is forgotten past this (a bound, not a policy). */
const REMEMBERED = 1_000;
/** Pause between two probes of a modem that timed out, and the rest when the session gives no answer yet. */
const PROBE_PAUSE_MS = 1_000;

/** Counts, in memory, how often each task failed on this modem before its PDU was written. */
export class NotStartedCount {
  readonly #seen = new Map<string, number>();

  /** One more such failure of `id`: true to give it back uncounted, false to count it as a failed attempt. */
  giveBack(id: string): boolean {
    const n = (this.#seen.get(id) ?? 0) + 1;
    this.#seen.delete(id);
    if (n > NOT_STARTED_RELEASES) return false;
    this.#seen.set(id, n);
    if (this.#seen.size > REMEMBERED) this.#seen.delete(this.#seen.keys().next().value!);
    return true;
  }

  /** The task's outcome is recorded: start over if it ever comes back. */
  forget(id: string): void {
    this.#seen.delete(id);
  }
}

/**
 * Whether the modem is known to answer. After a send that failed before its PDU, or any
 * command that timed out (the session's `unanswered`), the modem may be hung while the
 * session still says `ready` (the healing ladder only acts after several silences): the
 * send loop then takes no task and probes with `AT` until the modem answers, or until the
 * session leaves `ready` (a reconnect or re-init that ends with `ready` proves it answers).
 * The probes go through the session's command runner, so their timeouts count toward the
 * silence that starts the healing ladder.
 */
export class ModemInDoubt {
  #doubt: string | undefined;

  constructor(
    private readonly session: ModemSessionApi,
    private readonly logger: Logger,
  ) {}

  /** Why no task may be taken now; undefined when the modem is known to answer. */
  get reason(): string | undefined {
    if (this.#doubt) return this.#doubt;
    const n = this.session.unanswered ?? 0;
    return n > 0 ? `${n} command${n > 1 ? 's' : ''} in a row timed out` : undefined;
  }

  /** The modem did not answer as it should (`why`): no task until it does. */
  doubt(why: string): void {
    if (!this.#doubt) this.logger.warn({ reason: why }, 'modem in doubt: no task until it answers');
    this.#doubt = why;
  }

  /** The session became ready again after a reconnect or re-init: the modem answered its init. */
  readyAgain(): void {
    this.#clear('ready again');
  }

  /** One probe (`AT`), then a short pause if it did not answer; a stop ends the wait. */
  async probe(signal: AbortSignal): Promise<void> {
    try {
      await untilAborted(this.session.control('AT'), signal);
      if (!signal.aborted) this.#clear('answers AT');
    } catch (err) {
      if (signal.aborted) return;
      if (isKatarError(err, 'MODEM_BUSY', 'MODEM_CLOSED') && this.session.state !== 'ready') return;
      // A timeout (the modem still hangs) or a refusal: ask again shortly.
      this.logger.debug({ err }, 'modem probe unanswered');
      await pause(PROBE_PAUSE_MS, signal);
    }
  }

  #clear(how: string): void {
    if (this.#doubt) this.logger.info({ how, reason: this.#doubt }, 'modem answers again: taking tasks');
    this.#doubt = undefined;
  }
}

/** `p`, or undefined once `signal` aborts (p's own outcome is then ignored). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  p.catch(() => undefined);
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = (): void => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
