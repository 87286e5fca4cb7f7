import { balanceSchedule, type BalanceCheck as BalanceSettings } from '../config/modem-extras.js';
import type { ModemBalance, ModemControls } from '../gateway/modem-controls.js';
import type { Logger } from '../log.js';
import type { UssdClient } from '../modem/ussd.js';
import { scheduleJob, type Job } from '../queue/housekeeping.js';
import type { EventLog } from '../queue/sms-queue.js';

/**
 * The amount in a balance answer: the pattern's first group, with `,` as the decimal mark
 * when there is no `.`, and thousands separators (the earlier of `.` and `,`) dropped.
 */
export function balanceAmount(text: string, pattern: RegExp): number | undefined {
  const raw = pattern.exec(text)?.[1]?.replace(/\s/g, '');
  if (!raw) return undefined;
  let n = raw;
  if (n.includes('.') && n.includes(',')) n = n.lastIndexOf('.') > n.lastIndexOf(',') ? n.replace(/,/g, '') : n.replace(/\./g, '').replace(',', '.');
  else if (n.includes(',')) n = n.replace(',', '.');
  const v = Number(n);
  return Number.isFinite(v) ? v : undefined;
}

/** What a balance check needs. */
export interface BalanceCheckOptions {
  modem: string;
  settings: BalanceSettings;
  ussd: Pick<UssdClient, 'ready' | 'sessionOpen' | 'request' | 'cancel'>;
  /** Where the latest balance is kept for /metrics. */
  controls?: Pick<ModemControls, 'setBalance'>;
  /** Where `modem.balance` events go (absent in remote worker mode). */
  events?: Pick<EventLog, 'append'>;
  logger: Logger;
}

/**
 * A modem's periodic balance check: the configured USSD code through the modem's USSD
 * client (so it queues behind SMS like any USSD), its amount read with the pattern, kept
 * for the `katar_modem_balance` metric and appended as a `modem.balance` event. A check
 * is skipped, not queued, while the modem is not ready or a USSD session is open.
 */
export class BalanceChecker {
  private job: Job | undefined;
  private interval: ReturnType<typeof setInterval> | undefined;
  private running: Promise<unknown> | undefined;

  private readonly pattern: RegExp;

  constructor(private readonly o: BalanceCheckOptions) {
    this.pattern = new RegExp(o.settings.pattern);
  }

  /** Schedules the checks (the worker runs a first one soon after the modem is ready). */
  start(): void {
    const schedule = balanceSchedule(this.o.settings.every) ?? { everyMs: 6 * 3_600_000 };
    const run = async (): Promise<void> => void (await this.check());
    if (schedule.cron !== undefined) {
      this.job = scheduleJob(schedule.cron, run, (err) => this.o.logger.warn({ err }, 'balance check failed'), `modems (${this.o.modem}).balance.every`);
    } else {
      this.interval = setInterval(() => void run(), schedule.everyMs);
      this.interval.unref?.();
    }
  }

  /** Stops the schedule and waits for a check in flight. */
  async stop(): Promise<void> {
    this.job?.stop();
    clearInterval(this.interval);
    await this.running;
  }

  /** One check now; undefined when skipped or failed (logged). */
  check(): Promise<ModemBalance | undefined> {
    if (this.running) return Promise.resolve(undefined);
    const p = this.checkNow().finally(() => (this.running = undefined));
    this.running = p;
    return p;
  }

  private async checkNow(): Promise<ModemBalance | undefined> {
    const { ussd, settings, logger, modem } = this.o;
    if (!ussd.ready || ussd.sessionOpen) {
      logger.info({ ready: ussd.ready, ussdOpen: ussd.sessionOpen }, 'balance check skipped: the modem is not ready or a USSD session is open');
      return undefined;
    }
    let text: string;
    try {
      const result = await ussd.request(settings.code);
      text = result.text;
      // A balance code that opened a menu: close it rather than leave it to time out.
      if (result.session === 'open') await ussd.cancel().catch(() => undefined);
    } catch (err) {
      logger.warn({ err }, 'balance check failed');
      return undefined;
    }
    const amount = balanceAmount(text, this.pattern);
    const balance: ModemBalance = { text, ...(amount !== undefined && { amount }), at: new Date().toISOString() };
    this.o.controls?.setBalance(modem, balance);
    if (amount === undefined) logger.warn({ text }, 'balance check: the pattern found no amount in the answer');
    else logger.info({ amount }, 'balance checked');
    // Its own durable write, like modem.state: a full disk loses the event, never an SMS.
    await this.o.events?.append('modem.balance', { modem, text, ...(amount !== undefined && { amount }) }).catch((err: unknown) => logger.warn({ err }, 'could not record a modem.balance event'));
    return balance;
  }
}
