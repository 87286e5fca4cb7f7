import { EventEmitter } from 'node:events';
import { deliveryEvent } from './task-events.js';
import { systemClock, type Clock } from '../clock.js';
import { SerialChain } from '../serial-chain.js';
import type { SentPart } from './delivery-index.js';
import { readSentParts } from './delivery-restore.js';
import { foldDelivery, hasPartList, readReportStatus, type ReportVerdict } from './delivery-status.js';
import type { FileStore } from './store/file-store.js';
import { ReportMatcher } from './report-matcher.js';
import type { Delivery, DeliveryPart, DeliveryStatus, Task } from './task.js';

/** A status report as the modem gave it, with the modem it came from. */
export interface StatusReportIn {
  /** The receiving (= sending) modem, `<name>:<IMSI>`. */
  modem: string;
  /** TP-MR. */
  reference: number;
  /** TP-RA. */
  recipient: string;
  /** TP-ST. */
  status: number;
}

/** A part the modem just took (`+CMGS: <mr>`). */
export interface PartSentIn {
  taskId: string;
  /** Part number - 1. */
  index: number;
  modem: string;
  reference: number;
  recipient: string;
}

/** Status reports seen, per queue and outcome. */
export type ReportCounts = Record<DeliveryStatus | 'unmatched', number>;

/** Events of the book. */
export interface DeliveryBookEvents {
  /** A report that matched nothing within the hold time: dropped. */
  unmatched: [queue: string, report: StatusReportIn];
  /** A matched report could not be recorded (the store refused). */
  error: [err: Error, report: StatusReportIn];
}

/** Options of the book. */
export interface DeliveryBookOptions {
  clock?: Clock;
  /** How long a part can be reported after its send; default 24 h (the usual SMSC validity). */
  validityMs?: number;
  /** How long a report that matches nothing waits for its send to be recorded; default 60 s. */
  holdMs?: number;
}

/**
 * Matches status reports to the parts they are about (docs/DELIVERY.md) and records the
 * outcome on the task, live or finished. Parts are known from the moment the modem
 * answers `+CMGS`; a report that arrives while a send of its modem is on the wire, or
 * that matches nothing yet, is held and matched again when a send is recorded, then
 * dropped after `holdMs`. At start the parts still within validity are read back from the
 * store, so a report that arrives after a restart still finds its task.
 */
export class DeliveryBook extends EventEmitter<DeliveryBookEvents> {
  readonly #store: FileStore;
  readonly #emitDelivery: (t: Task) => void;
  readonly #clock: Clock;
  readonly #reports: ReportMatcher;
  #loaded: Promise<void> | undefined;
  /** Read-modify-write of one task at a time (a history read sits between them). */
  readonly #serial = new SerialChain();

  constructor(store: FileStore, emitDelivery: (t: Task) => void, o: DeliveryBookOptions = {}) {
    super();
    this.#store = store;
    this.#emitDelivery = emitDelivery;
    this.#clock = o.clock ?? systemClock;
    this.#reports = new ReportMatcher({
      validityMs: o.validityMs ?? 24 * 3_600_000,
      mono: () => this.#clock.mono(),
      holdMs: o.holdMs ?? 60_000,
      apply: (part, r) => this.#apply(part, r),
      unmatched: (queue, r) => this.emit('unmatched', queue, r),
      error: (err, r) => this.emit('error', err, r),
    });
  }

  /** Reports seen in `queue` by outcome, and those dropped unmatched. */
  counts(queue: string): ReportCounts {
    return this.#reports.counts(queue);
  }

  /** Reports waiting for their send to be recorded. */
  get heldCount(): number {
    return this.#reports.heldCount;
  }

  /** Reads the parts still within validity from the store (once; every other call waits for it). */
  load(): Promise<void> {
    this.#loaded ??= this.#load();
    return this.#loaded;
  }

  /** A part is about to be written to `modem`: its reports wait until the send is recorded. */
  sending(modem: string): void {
    this.#reports.sending(modem);
  }

  /** The send `sending` announced is over (recorded or failed): held reports are matched again. */
  ended(modem: string): void {
    this.#reports.ended(modem);
  }

  /**
   * Records that the modem took part `p.index` of a task with reference `p.reference`,
   * on the live task (durable with the task's next write, normally its `done`) and in
   * the index, from where reports can match it at once.
   */
  async sent(queue: string, p: PartSentIn): Promise<void> {
    await this.load();
    const now = this.#clock.wall();
    const epoch = this.#reports.index.epochFor(p.modem, p.reference);
    this.#reports.index.add({ queue, taskId: p.taskId, index: p.index, modem: p.modem, reference: p.reference, recipient: p.recipient, epoch, sentMono: this.#clock.mono() });
    const t = this.#store.live.get(p.taskId);
    if (!t) return;
    const at = new Date(now).toISOString();
    const part: DeliveryPart = { reference: p.reference, modem: p.modem, epoch, sentAt: at, status: 'pending' };
    // Part 1 starts the list afresh: a task sent again (resendOnUnknownOutcome) drops the old send's parts.
    const parts = hasPartList(t.delivery) ? t.delivery.parts.slice(0, p.index) : [];
    parts[p.index] = part;
    this.#write(t, { status: 'pending', references: [], updatedAt: at, ...t.delivery, parts }, at);
  }

  /** Takes a status report: 'matched' (recorded on its task) or 'held' (waiting for its send). */
  async report(queue: string, r: StatusReportIn): Promise<'matched' | 'held'> {
    await this.load();
    const part = this.#reports.take(queue, r);
    if (!part) return 'held';
    await this.#apply(part, r);
    return 'matched';
  }

  /** Drops held reports and their timers. */
  close(): void {
    this.#reports.close();
  }

  async #apply(part: SentPart, r: StatusReportIn): Promise<void> {
    this.#store.assertWritable();
    const verdict = readReportStatus(r.status);
    const changed = await this.#serial.run(() => this.#record(part, r, verdict));
    // Counted with the task's change; taken back when the commit fails, as the report is then tried again (delivery-backlog.ts).
    this.#reports.count(part.queue, verdict.status);
    if (!changed) return;
    try {
      await this.#store.commit();
    } catch (err) {
      this.#reports.count(part.queue, verdict.status, -1);
      throw err;
    }
    if (changed.from !== changed.task.delivery?.status) this.#emitDelivery(changed.task);
  }

  async #record(part: SentPart, r: StatusReportIn, verdict: ReportVerdict): Promise<{ task: Task; from: DeliveryStatus } | undefined> {
    const t = this.#store.live.get(part.taskId) ?? (await this.#readFinished(part.taskId));
    if (!t || !hasPartList(t.delivery)) return undefined;
    const p = t.delivery.parts[part.index];
    // The task was sent again since (resendOnUnknownOutcome): this report is of the old send.
    if (!p || p.reference !== part.reference || p.modem !== part.modem || p.epoch !== part.epoch) return undefined;
    // A report that the SMSC is still trying never undoes a final one that overtook it.
    if (verdict.status === 'pending' && p.status !== 'pending') return undefined;
    const at = new Date(this.#clock.wall()).toISOString();
    const parts = t.delivery.parts.slice();
    parts[part.index] = { ...p, status: verdict.status, reportStatus: r.status, reason: verdict.reason, reportedAt: at };
    const task = this.#write(t, { ...t.delivery, parts, reportStatus: r.status }, at);
    return { task, from: t.delivery.status };
  }

  /** Puts the task's new delivery where the task is: live (journal) or finished (history). */
  #write(t: Task, d: Delivery, at: string): Task {
    const next: Task = { ...t, delivery: foldDelivery(d, t.parts, at) };
    const ev = deliveryEvent(next, t.delivery?.status);
    if (ev) this.#store.addEvent(ev.type, ev.data, ev.queue, at);
    if (this.#store.live.get(t._id) === t) {
      this.#store.live.set(t._id, next);
      this.#store.putLive(next);
    } else this.#store.finish(next);
    return next;
  }

  async #readFinished(id: string): Promise<Task | undefined> {
    const meta = this.#store.history.get(id);
    return meta ? this.#store.readHistory(meta) : undefined;
  }

  async #load(): Promise<void> {
    const parts = await readSentParts(this.#store, this.#reports.index.validityMs, this.#clock);
    // With room for the sends of the next while: the columns do not double at the first one.
    this.#reports.index.reserve(parts.size + 1024);
    for (const part of parts) this.#reports.index.add(part);
  }
}
