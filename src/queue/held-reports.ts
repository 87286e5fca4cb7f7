import type { StatusReportIn } from './delivery-book.js';

interface Held {
  queue: string;
  report: StatusReportIn;
  timer: NodeJS.Timeout;
}

/**
 * Status reports that could not be matched yet (a send of their modem was on the wire,
 * or no recorded part fits): each is tried again when its modem's send is recorded, and
 * once more when `holdMs` runs out, then given up. Shared by the delivery books of the
 * file queue and of the PostgreSQL queue.
 */
export class HeldReports {
  readonly #held: Held[] = [];

  /**
   * @param tryApply matches and applies a report; false when it still matches nothing
   * @param expired a report given up after `holdMs`
   */
  constructor(
    private readonly holdMs: number,
    private readonly tryApply: (queue: string, report: StatusReportIn) => boolean,
    private readonly expired: (queue: string, report: StatusReportIn) => void,
  ) {}

  get size(): number {
    return this.#held.length;
  }

  hold(queue: string, report: StatusReportIn): void {
    const h: Held = {
      queue,
      report,
      timer: setTimeout(() => {
        this.#held.splice(this.#held.indexOf(h), 1);
        if (!this.tryApply(queue, report)) this.expired(queue, report);
      }, this.holdMs),
    };
    h.timer.unref();
    this.#held.push(h);
  }

  /** Tries the reports of `modem` again (a send of it was just recorded or ended). */
  retry(modem: string): void {
    for (const h of this.#held.filter((x) => x.report.modem === modem)) {
      if (!this.tryApply(h.queue, h.report)) continue;
      clearTimeout(h.timer);
      this.#held.splice(this.#held.indexOf(h), 1);
    }
  }

  /** Drops every held report and its timer. */
  close(): void {
    for (const h of this.#held.splice(0)) clearTimeout(h.timer);
  }
}
