import type { ReportCounts, StatusReportIn } from './delivery-book.js';
import { DeliveryIndex, type SentPart } from './delivery-index.js';

interface Held {
  queue: string;
  report: StatusReportIn;
  timer: NodeJS.Timeout;
}

/** What a matcher is given: the index's validity and clock, how long a report may wait, and what to do with a match. */
export interface ReportMatcherOptions {
  validityMs: number;
  mono: () => number;
  holdMs: number;
  /** Records a report that matched its part (a held one matched later too). */
  apply: (part: SentPart, report: StatusReportIn) => Promise<void>;
  /** A held report given up after `holdMs`. */
  unmatched: (queue: string, report: StatusReportIn) => void;
  /** `apply` of a held report failed. */
  error: (err: Error, report: StatusReportIn) => void;
}

/**
 * Status reports to the parts they are about, for the delivery books of the file queue
 * and of the PostgreSQL queue (docs/DELIVERY.md): the index of sent parts, the modems
 * with a send on the wire (their reports wait until it is recorded), the reports held
 * until their send is recorded or `holdMs` runs out, and the counts per queue. Where a
 * match is recorded is the book's own business.
 */
export class ReportMatcher {
  readonly index: DeliveryIndex;
  readonly #o: ReportMatcherOptions;
  readonly #inflight = new Map<string, number>();
  readonly #held: Held[] = [];
  readonly #counts = new Map<string, ReportCounts>();

  constructor(o: ReportMatcherOptions) {
    this.#o = o;
    this.index = new DeliveryIndex(o.validityMs, o.mono);
  }

  /** Reports seen in `queue` by outcome, and those dropped unmatched. */
  counts(queue: string): ReportCounts {
    return { ...(this.#counts.get(queue) ?? { delivered: 0, pending: 0, failed: 0, unmatched: 0 }) };
  }

  count(queue: string, what: keyof ReportCounts, by = 1): void {
    let c = this.#counts.get(queue);
    if (!c) this.#counts.set(queue, (c = { delivered: 0, pending: 0, failed: 0, unmatched: 0 }));
    c[what] += by;
  }

  /** Reports waiting for their send to be recorded. */
  get heldCount(): number {
    return this.#held.length;
  }

  /** A part is about to be written to `modem`: its reports wait until the send is recorded. */
  sending(modem: string): void {
    this.#inflight.set(modem, (this.#inflight.get(modem) ?? 0) + 1);
  }

  /** The send `sending` announced is over (recorded or failed): held reports of the modem are matched again. */
  ended(modem: string): void {
    const n = (this.#inflight.get(modem) ?? 1) - 1;
    if (n > 0) return void this.#inflight.set(modem, n);
    this.#inflight.delete(modem);
    for (const h of this.#held.filter((x) => x.report.modem === modem)) {
      if (!this.#tryHeld(h)) continue;
      clearTimeout(h.timer);
      this.#held.splice(this.#held.indexOf(h), 1);
    }
  }

  /** The part `report` is about, if it can be matched now; else the report is held (undefined). */
  take(queue: string, report: StatusReportIn): SentPart | undefined {
    const part = this.#match(queue, report);
    if (!part) this.#hold(queue, report);
    return part;
  }

  /** Drops held reports and their timers. */
  close(): void {
    for (const h of this.#held.splice(0)) clearTimeout(h.timer);
  }

  #match(queue: string, r: StatusReportIn): SentPart | undefined {
    if (this.#inflight.has(r.modem)) return undefined;
    const part = this.index.match(r.modem, r.reference, r.recipient);
    return part && part.queue === queue ? part : undefined;
  }

  #hold(queue: string, report: StatusReportIn): void {
    const h: Held = {
      queue,
      report,
      timer: setTimeout(() => {
        this.#held.splice(this.#held.indexOf(h), 1);
        if (this.#tryHeld(h)) return;
        this.count(queue, 'unmatched');
        this.#o.unmatched(queue, report);
      }, this.#o.holdMs),
    };
    h.timer.unref();
    this.#held.push(h);
  }

  #tryHeld(h: Held): boolean {
    const part = this.#match(h.queue, h.report);
    if (!part) return false;
    this.#o.apply(part, h.report).catch((err: unknown) => this.#o.error(err as Error, h.report));
    return true;
  }
}
