import { join } from 'node:path';
import { AppendLog } from './append-log.js';
import { CommitSlots, SLOTS_FILE, type Claims } from './commit-slots.js';
import type { Manifest } from './manifest.js';
import { FILES, journalName } from './store-types.js';

/**
 * The open files of a store and what its last commit made durable: the journal (and the
 * one a checkpoint is closing), the history and inbox logs, the commit slots, and the
 * manifest in effect. One object shared by the store, its checkpoint, its compaction and
 * its recovery from a failed write, which swap the logs as they go.
 */
export class StoreFiles {
  journal: AppendLog;
  /** The journal being closed by a checkpoint, until its last records are durable. */
  closing: AppendLog | null = null;
  journalN: number;
  historyLog: AppendLog;
  inboxLog: AppendLog;
  readonly slots: CommitSlots;
  manifest: Manifest;
  /** What the last successful commit made durable. */
  claims: Claims;

  private constructor(journal: AppendLog, historyLog: AppendLog, inboxLog: AppendLog, slots: CommitSlots, manifest: Manifest, claims: Claims) {
    this.journal = journal;
    this.journalN = claims.journal.file;
    this.historyLog = historyLog;
    this.inboxLog = inboxLog;
    this.slots = slots;
    this.manifest = manifest;
    this.claims = claims;
  }

  /** Opens the files of `dir` at the durable marks of `claims`. */
  static async open(dir: string, manifest: Manifest, claims: Claims): Promise<StoreFiles> {
    // Opening at the durable marks cuts what follows them: writes never acknowledged.
    const journal = await AppendLog.open(join(dir, journalName(claims.journal.file)), claims.journal);
    const historyLog = await AppendLog.open(join(dir, FILES.history), claims.history);
    const inboxLog = await AppendLog.open(join(dir, FILES.inbox), claims.inbox);
    const slots = await CommitSlots.open(join(dir, SLOTS_FILE));
    return new StoreFiles(journal, historyLog, inboxLog, slots, manifest, claims);
  }

  /** The logs new records go to (not the journal being closed). */
  get logs(): AppendLog[] {
    return [this.journal, this.historyLog, this.inboxLog];
  }

  /** The claims a flush started now makes durable (taken in the same tick as the writes). */
  nextClaims(): Claims {
    return {
      gen: this.claims.gen + 1,
      journal: { file: this.journalN, ...this.journal.mark },
      history: { ...this.historyLog.mark, epoch: this.claims.history.epoch },
      inbox: { ...this.inboxLog.mark, epoch: this.claims.inbox.epoch },
    };
  }

  /** The journal a checkpoint closed is durable up to its end: it can go. */
  async closeClosingJournal(): Promise<void> {
    const old = this.closing;
    this.closing = null;
    await old?.close(false).catch(() => undefined);
  }

  /** After a failed write: back to the journal a checkpoint was closing, if one was. */
  keepClosingJournal(): void {
    if (!this.closing) return;
    // The journal switch of a checkpoint did not become durable: keep writing the old one.
    const next = this.journal;
    this.journal = this.closing;
    this.closing = null;
    this.journalN = this.claims.journal.file;
    void next.close(false).catch(() => undefined);
  }

  /** Forgets every record that is not durable. */
  rollback(): void {
    for (const l of this.logs) l.rollback();
  }

  /** Closes every file without writing anything more. */
  async close(): Promise<void> {
    for (const l of [this.journal, this.historyLog, this.inboxLog, this.closing]) await l?.close(false).catch(() => undefined);
    await this.slots.close().catch(() => undefined);
  }
}
