import { EventEmitter } from 'node:events';
import type { Clock } from '../../clock.js';
import { SerialChain } from '../../serial-chain.js';
import type { DeliveryBookEvents, PartSentIn, ReportCounts, StatusReportIn } from '../delivery-book.js';
import { DeliveryIndex, type SentPart } from '../delivery-index.js';
import { foldDelivery, hasPartList, readReportStatus, type ReportVerdict } from '../delivery-status.js';
import type { DeliveryLedger } from '../sms-queue.js';
import { deliveryEvent } from '../task-events.js';
import type { Delivery, DeliveryPart, Task } from '../task.js';
import type { PgBatch } from './pg-batch.js';
import { lockTasks, saveDoc, taskOf } from './pg-rows.js';
import type { Sql } from './pg-pool.js';
import { HeldReports } from '../held-reports.js';

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
  readonly #index: DeliveryIndex;
  readonly #inflight = new Map<string, number>();
  readonly #held: HeldReports;
  readonly #counts = new Map<string, ReportCounts>();
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
    this.#index = new DeliveryIndex(validityMs, () => this.clock.mono());
    this.#held = new HeldReports(holdMs, (queue, r) => this.#tryHeld(queue, r), (queue, r) => {
      this.#count(queue, 'unmatched');
      this.emit('unmatched', queue, r);
    });
  }

  counts(queue: string): ReportCounts {
    return { ...(this.#counts.get(queue) ?? { delivered: 0, pending: 0, failed: 0, unmatched: 0 }) };
  }

  load(): Promise<void> {
    this.#loaded ??= this.#load();
    return this.#loaded;
  }

  sending(modem: string): void {
    this.#inflight.set(modem, (this.#inflight.get(modem) ?? 0) + 1);
  }

  ended(modem: string): void {
    const n = (this.#inflight.get(modem) ?? 1) - 1;
    if (n > 0) return void this.#inflight.set(modem, n);
    this.#inflight.delete(modem);
    this.#held.retry(modem);
  }

  async sent(queue: string, p: PartSentIn): Promise<void> {
    await this.load();
    const now = this.clock.wall();
    const epoch = this.#index.epochFor(p.modem, p.reference);
    await this.write(async (b) => {
      const t = (await lockTasks(b.sql, [p.taskId])).get(p.taskId);
      if (!t || t.queue !== queue || t.finishedAt) return;
      const at = new Date(now).toISOString();
      const part: DeliveryPart = { reference: p.reference, modem: p.modem, epoch, sentAt: at, status: 'pending' };
      const parts = hasPartList(t.delivery) ? t.delivery.parts.slice(0, p.index) : [];
      parts[p.index] = part;
      await this.#save(b, t, { status: 'pending', references: [], updatedAt: at, ...t.delivery, parts }, at, now);
    });
    this.#index.add({ queue, taskId: p.taskId, index: p.index, modem: p.modem, reference: p.reference, recipient: p.recipient, epoch, sentMono: this.clock.mono() });
  }

  async report(queue: string, r: StatusReportIn): Promise<'matched' | 'held'> {
    await this.load();
    const part = this.#inflight.has(r.modem) ? undefined : this.#index.match(r.modem, r.reference, r.recipient);
    if (!part || part.queue !== queue) {
      this.#held.hold(queue, r);
      return 'held';
    }
    await this.#apply(part, r);
    return 'matched';
  }

  close(): void {
    this.#held.close();
  }

  #tryHeld(queue: string, r: StatusReportIn): boolean {
    if (this.#inflight.has(r.modem)) return false;
    const part = this.#index.match(r.modem, r.reference, r.recipient);
    if (!part || part.queue !== queue) return false;
    this.#apply(part, r).catch((err: unknown) => this.emit('error', err as Error, r));
    return true;
  }

  async #apply(part: SentPart, r: StatusReportIn): Promise<void> {
    const verdict = readReportStatus(r.status);
    this.#count(part.queue, verdict.status);
    const changed = await this.#serial.run(() => this.write((b) => this.#record(b, part, r, verdict)));
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

  #count(queue: string, what: keyof ReportCounts): void {
    let c = this.#counts.get(queue);
    if (!c) this.#counts.set(queue, (c = { delivered: 0, pending: 0, failed: 0, unmatched: 0 }));
    c[what]++;
  }

  /** The parts sent within validity, oldest send first (delivery-restore.ts, from the rows). */
  async #load(): Promise<void> {
    const wall = this.clock.wall();
    const mono = this.clock.mono();
    const rows = await this.read((sql) => sql.query(`SELECT doc FROM tasks WHERE sent_ms IS NOT NULL AND sent_ms >= $1 AND status IN ('in progress', 'queued', 'done', 'failed')`, [wall - this.#index.validityMs]));
    const found: Array<{ task: Task; part: DeliveryPart; index: number }> = [];
    for (const task of rows.map(taskOf)) {
      if (!hasPartList(task.delivery)) continue;
      task.delivery.parts.forEach((part, index) => part && found.push({ task, part, index }));
    }
    found.sort((a, b) => Date.parse(a.part.sentAt) - Date.parse(b.part.sentAt) || a.index - b.index);
    for (const { task, part, index } of found) {
      this.#index.add({ queue: task.queue, taskId: task._id, index, modem: part.modem, reference: part.reference, recipient: task.data.to, epoch: part.epoch, sentMono: mono - Math.max(0, wall - Date.parse(part.sentAt)) });
    }
  }
}

type Row = Record<string, unknown>;
