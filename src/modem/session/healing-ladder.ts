/**
 * What a session does about a modem that stopped answering: a ladder of ever stronger
 * steps, one per silence, each logged and announced (a `recovery` event on the session):
 *
 * 1. `reopen`: close the port and open it again (a stuck driver or a lost tty).
 * 2. `reboot`: `AT+CFUN=1,1` on a freshly opened port, then a wait while the modem
 *    restarts (its port may vanish and come back meanwhile).
 * 3. `usb-rebind`: the USB device de-authorised and authorised again in sysfs (or its
 *    driver unbound and bound), only where the caller can do it; skipped otherwise.
 * 4. `failed`: the session rests in state `failed` for a backoff (doubling, capped), so a
 *    dead modem never spins, then the ladder starts again at step 1.
 *
 * A modem that becomes usable again (initialised, or stopped at its SIM) ends the episode:
 * the next silence starts at step 1 and the failure backoff at its shortest.
 */
import { Backoff, sleep } from '../backoff.js';
import { errorText } from '../error-text.js';
import type { ModemPortFactory } from '../port.js';
import type { SessionLogger } from './traits.js';

/** The steps, in the order they are taken. */
export const HEALING_STEPS = ['reopen', 'reboot', 'usb-rebind', 'failed'] as const;
export type HealingStep = (typeof HEALING_STEPS)[number];

/** What the USB step did, or why it could not. */
export type UsbRebindOutcome = { done: true; how: string } | { done: false; reason: string };

/** Settings of the ladder; defaults beside each field. */
export interface HealingOptions {
  /** Consecutive command timeouts that make the modem silent. Default 3. */
  silentAfter?: number;
  /** Wait after `AT+CFUN=1,1` before opening the port again. Default 30 000 ms. */
  rebootWaitMs?: number;
  /** Wait after a USB re-bind before opening the port again. Default 5 000 ms. */
  rebindWaitMs?: number;
  /** Rest in `failed` before the ladder starts again. Default 60 000 ms doubling to 600 000 ms. */
  failedBackoff?: { initialDelayMs: number; maxDelayMs: number };
  /** Step 3. Absent: the step is skipped (not a USB device, no write access). */
  usbRebind?: () => Promise<UsbRebindOutcome>;
}

/** The step a session is on, as shown in its health. */
export interface RecoveryStatus {
  step: HealingStep;
  /** Which pass over the ladder since the modem was last usable (1, 2, ...). */
  round: number;
  /** What was done, in words. */
  detail: string;
}

/** How the healer acts on the session. */
export interface HealerHost {
  openPort: ModemPortFactory;
  log: SessionLogger;
  /** Aborts when the session closes. */
  signal: AbortSignal;
  /** Moves the session's state to `failed`. */
  markFailed(detail: string): void;
  /** Announces a step (the session's `recovery` event). */
  announce(status: RecoveryStatus): void;
}

const noop = (): void => {};

/** Which step comes next, and how often each was taken. */
export class HealingLadder {
  /** Index of the step last taken in this episode; -1 before the first. */
  private position = -1;
  private round = 0;
  private readonly failures: Backoff;
  /** Steps taken since start, for metrics. */
  readonly counts: Record<HealingStep, number> = { reopen: 0, reboot: 0, 'usb-rebind': 0, failed: 0 };

  constructor(failedBackoff: { initialDelayMs: number; maxDelayMs: number }) {
    this.failures = new Backoff(failedBackoff.initialDelayMs, failedBackoff.maxDelayMs);
  }

  /** The next step after one more silence; `failed` is followed by `reopen` again. */
  next(): { step: HealingStep; round: number } {
    this.position = (this.position + 1) % HEALING_STEPS.length;
    if (this.position === 0) this.round++;
    return { step: HEALING_STEPS[this.position]!, round: this.round };
  }

  /** The modem is usable again: the next silence starts a new episode. */
  healthy(): void {
    this.position = -1;
    this.round = 0;
    this.failures.reset();
  }

  /** The rest before the ladder starts again (doubling, capped). */
  failedDelay(): number {
    return this.failures.next();
  }
}

/** Takes the ladder's steps for one session. */
export class Healer {
  readonly ladder: HealingLadder;
  private shown: RecoveryStatus | undefined;
  private readonly rebootWaitMs: number;
  private readonly rebindWaitMs: number;
  /** Whether this round's USB step ran (for the `failed` detail). */
  private rebound = false;

  constructor(
    private readonly opts: HealingOptions,
    private readonly host: HealerHost,
  ) {
    this.ladder = new HealingLadder(opts.failedBackoff ?? { initialDelayMs: 60_000, maxDelayMs: 600_000 });
    this.rebootWaitMs = opts.rebootWaitMs ?? 30_000;
    this.rebindWaitMs = opts.rebindWaitMs ?? 5_000;
  }

  /** The step in progress, until the modem answers again. */
  get current(): RecoveryStatus | undefined {
    return this.shown;
  }

  /** The modem answered on a new link: the step worked (or the modem woke by itself). */
  answered(): void {
    if (this.shown) this.host.log.info({ step: this.shown.step, round: this.shown.round }, 'modem answers again');
    this.shown = undefined;
  }

  /** A link ended; one that had been usable ends the episode. */
  linkEnded(wasUsable: boolean): void {
    if (wasUsable) this.ladder.healthy();
  }

  /** The modem went silent: takes the next step; resolves when the port may be opened again. */
  async heal(reopenDelayMs: number): Promise<void> {
    const { step, round } = this.ladder.next();
    switch (step) {
      case 'reopen':
        this.rebound = false;
        this.take(step, round, 'reopening the port');
        return this.wait(reopenDelayMs);
      case 'reboot':
        this.take(step, round, `AT+CFUN=1,1 (modem restart), then ${this.rebootWaitMs / 1000} s for it to come back`);
        await this.reboot();
        return this.wait(this.rebootWaitMs);
      case 'usb-rebind': {
        const outcome = this.opts.usbRebind ? await this.opts.usbRebind().catch((err: unknown) => ({ done: false as const, reason: errorText(err) })) : { done: false as const, reason: 'not configured' };
        if (!outcome.done) {
          this.host.log.info({ reason: outcome.reason }, 'USB re-bind skipped');
          return this.heal(reopenDelayMs);
        }
        this.rebound = true;
        this.take(step, round, `USB re-bind (${outcome.how})`);
        return this.wait(this.rebindWaitMs);
      }
      case 'failed': {
        const delay = this.ladder.failedDelay();
        const detail = `no answer after reopen, reboot${this.rebound ? ' and USB re-bind' : ' (no USB re-bind here)'}; trying again in ${Math.round(delay / 1000)} s`;
        this.take(step, round, detail);
        this.host.markFailed(detail);
        return this.wait(delay);
      }
    }
  }

  private take(step: HealingStep, round: number, detail: string): void {
    this.ladder.counts[step]++;
    this.shown = { step, round, detail };
    const level = step === 'failed' ? 'error' : 'warn';
    this.host.log[level]({ step, round }, `modem not answering: ${detail}`);
    this.host.announce(this.shown);
  }

  /** Writes `AT+CFUN=1,1` on a fresh port (after ESC CR, which ends a half-typed SMS); no answer is expected. */
  private async reboot(): Promise<void> {
    let port;
    try {
      port = await this.host.openPort();
      await port.write('\x1b\r');
      await port.write('AT+CFUN=1,1\r');
      // Let the bytes leave before the port closes; the modem answers (if at all) after.
      await sleep(500, this.host.signal).catch(noop);
    } catch (err) {
      this.host.log.warn({ err }, 'could not send AT+CFUN=1,1');
    } finally {
      await port?.close().catch(noop);
    }
  }

  private wait(ms: number): Promise<void> {
    return sleep(ms, this.host.signal).catch(noop);
  }
}
