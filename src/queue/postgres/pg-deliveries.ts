import { EventEmitter } from 'node:events';
import type { Clock } from '../../clock.js';
import { SerialChain } from '../../serial-chain.js';
import type { DeliveryBookEvents, PartSentIn, ReportCounts, StatusReportIn } from '../delivery-book.js';
import type { SentPart } from '../delivery-index.js';
import { foldDelivery, hasPartList, readReportStatus, type ReportVerdict } from '../delivery-status.js';
import type { DeliveryLedger } from '../sms-queue.js';
import { deliveryEvent } from '../task-events.js';
import type { Delivery, DeliveryPart, Task } from '../task.js';
import type { PgBatch } from './pg-batch.js';
import { lockTasks, saveDoc, taskOf } from './pg-rows.js';
import type { Sql } from './pg-pool.js';
import { ReportMatcher } from '../report-matcher.js';

/** How the book writes: a transaction of the queue, told after COMMIT. */
export type WriteTx = <T>(fn: (b: PgBatch) => Promise<T>) => Promise<T>;

/**
 * Status reports matched to sent parts (docs/DELIVERY.md), as the file queue's
 * delivery-book.ts does, with the parts on the task rows of the shared database. A
 * report comes back to the modem that sent the part, so the index of parts is this
 * box's (in memory, read back at start from the parts sent within validity); the write
 * goes to the shared row. Each part is durable once `sent` resolves.
 */
export class PgDeliveryBook extends EventEmitter<DeliveryBookEvents> implements DeliveryLedger {
  readonly #reports: ReportMatcher;
  readonly #serial = new SerialChain();
  #loaded: Promise<void> | undefined;

  constructor(
    private readonly write: WriteTx,
    private readonly read: (fn: (sql: Sql) => Promise<Row[]>) => Promise<Row[]>,
    private readonly emitDelivery: (t: Task) => void,
    private readonly clock: Clock,
    holdMs = 60_000,
    validityMs = 24 * 3_600_000,
  ) {
    super();
    this.#reports = new ReportMatcher({
      validityMs,
      mono: () => this.clock.mono(),
      holdMs,
      apply: (part, r) => this.#apply(part, r),
      unmatched: (queue, r) => this.emit('unmatched', queue, r),
      error: (err, r) => this.emit('error', err, r),
    });
  }

  counts(queue: string): ReportCounts {
    return this.#reports.counts(queue);
  }

  load(): Promise<void> {
    this.#loaded ??= this.#load();
    return this.#loaded;
  }

  sending(modem: string): void {
    this.#reports.sending(modem);
  }

  ended(modem: string): void {
    this.#reports.ended(modem);
  }

  async sent(queue: string, p: PartSentIn): Promise<void> {
    await this.load();
    const now = this.clock.wall();
    const epoch = this.#reports.index.epochFor(p.modem, p.reference);
    await this.write(async (b) => {
      const t = (await lockTasks(b.sql, [p.taskId])).get(p.taskId);
      if (!t || t.queue !== queue || t.finishedAt) return;
      const at = new Date(now).toISOString();
      const part: DeliveryPart = { reference: p.reference, modem: p.modem, epoch, sentAt: at, status: 'pending' };
      const parts = hasPartList(t.delivery) ? t.delivery.parts.slice(0, p.index) : [];
      parts[p.index] = part;
      await this.#save(b, t, { status: 'pending', references: [], updatedAt: at, ...t.delivery, parts }, at, now);
    });
    this.#reports.index.add({ queue, taskId: p.taskId, index: p.index, modem: p.modem, reference: p.reference, recipient: p.recipient, epoch, sentMono: this.clock.mono() });
  }

  async report(queue: string, r: StatusReportIn): Promise<'matched' | 'held'> {
    await this.load();
    const part = this.#reports.take(queue, r);
    if (!part) return 'held';
    await this.#apply(part, r);
    return 'matched';
  }

  close(): void {
    this.#reports.close();
  }

  async #apply(part: SentPart, r: StatusReportIn): Promise<void> {
    const verdict = readReportStatus(r.status);
    const changed = await this.#serial.run(() => this.write((b) => this.#record(b, part, r, verdict)));
    // Counted once written: a report the store refused is tried again (delivery-backlog.ts).
    this.#reports.count(part.queue, verdict.status);
    if (changed && changed.from !== changed.task.delivery?.status) this.emitDelivery(changed.task);
  }

  async #record(b: PgBatch, part: SentPart, r: StatusReportIn, verdict: ReportVerdict): Promise<{ task: Task; from: string } | undefined> {
    const t = (await lockTasks(b.sql, [part.taskId])).get(part.taskId);
    if (!t || !hasPartList(t.delivery)) return undefined;
    const p = t.delivery.parts[part.index];
    if (!p || p.reference !== part.reference || p.modem !== part.modem || p.epoch !== part.epoch) return undefined;
    if (verdict.status === 'pending' && p.status !== 'pending') return undefined;
    const at = new Date(this.clock.wall()).toISOString();
    const parts = t.delivery.parts.slice();
    parts[part.index] = { ...p, status: verdict.status, reportStatus: r.status, reason: verdict.reason, reportedAt: at };
    const task = await this.#save(b, t, { ...t.delivery, parts, reportStatus: r.status }, at);
    return { task, from: t.delivery.status };
  }

  /** Writes the task's new delivery, with its event when the task's delivery status changed. */
  async #save(b: PgBatch, t: Task, d: Delivery, at: string, sentMs?: number): Promise<Task> {
    const next: Task = { ...t, delivery: foldDelivery(d, t.parts, at) };
    b.event(deliveryEvent(next, t.delivery?.status));
    await saveDoc(b.sql, next, sentMs);
    return next;
  }


  /** The parts sent within validity, oldest send first (delivery-restore.ts, from the rows). */
  async #load(): Promise<void> {
    const wall = this.clock.wall();
    const mono = this.clock.mono();
    const rows = await this.read((sql) => sql.query(`SELECT doc FROM tasks WHERE sent_ms IS NOT NULL AND sent_ms >= $1 AND status IN ('in progress', 'queued', 'done', 'failed')`, [wall - this.#reports.index.validityMs]));
    const found: Array<{ task: Task; part: DeliveryPart; index: number }> = [];
    for (const task of rows.map(taskOf)) {
      if (!hasPartList(task.delivery)) continue;
      task.delivery.parts.forEach((part, index) => part && found.push({ task, part, index }));
    }
    found.sort((a, b) => Date.parse(a.part.sentAt) - Date.parse(b.part.sentAt) || a.index - b.index);
    for (const { task, part, index } of found) {
      this.#reports.index.add({ queue: task.queue, taskId: task._id, index, modem: part.modem, reference: part.reference, recipient: task.data.to, epoch: part.epoch, sentMono: mono - Math.max(0, wall - Date.parse(part.sentAt)) });
    }
  }
}

type Row = Record<string, unknown>;
