import { join } from 'node:path';
import { AppendLog } from './append-log.js';
import { CommitSlots, SLOTS_FILE, type Claims } from './commit-slots.js';
import type { Manifest } from './manifest.js';
import { FILES, journalName } from './store-types.js';

/** The event log's mark in commit records written before it existed. */
const NO_EVENTS = { records: 0, bytes: 0, epoch: 0 };

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
  eventsLog: AppendLog;
  readonly slots: CommitSlots;
  manifest: Manifest;
  /** What the last successful commit made durable. */
  claims: Claims;

  private constructor(journal: AppendLog, historyLog: AppendLog, inboxLog: AppendLog, eventsLog: AppendLog, slots: CommitSlots, manifest: Manifest, claims: Claims) {
    this.journal = journal;
    this.journalN = claims.journal.file;
    this.historyLog = historyLog;
    this.inboxLog = inboxLog;
    this.eventsLog = eventsLog;
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
    const eventsLog = await AppendLog.open(join(dir, FILES.events), claims.events ?? NO_EVENTS);
    const slots = await CommitSlots.open(join(dir, SLOTS_FILE));
    return new StoreFiles(journal, historyLog, inboxLog, eventsLog, slots, manifest, claims);
  }

  /** The logs new records go to (not the journal being closed). */
  get logs(): AppendLog[] {
    return [this.journal, this.historyLog, this.inboxLog, this.eventsLog];
  }

  /** The claims a flush started now makes durable (taken in the same tick as the writes). */
  nextClaims(): Claims {
    return {
      gen: this.claims.gen + 1,
      journal: { file: this.journalN, ...this.journal.mark },
      history: { ...this.historyLog.mark, epoch: this.claims.history.epoch },
      inbox: { ...this.inboxLog.mark, epoch: this.claims.inbox.epoch },
      events: { ...this.eventsLog.mark, epoch: this.claims.events?.epoch ?? 0 },
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

  /**
   * Forgets every record the last commit record does not claim. Not each file's own
   * durable end: in a group commit that failed, a file whose write succeeded still holds
   * records of a commit that was never acknowledged.
   */
  rollback(): void {
    const c = this.claims;
    if (this.journalN === c.journal.file) this.journal.rollbackTo(c.journal);
    else this.journal.rollback();
    this.historyLog.rollbackTo(c.history);
    this.inboxLog.rollbackTo(c.inbox);
    this.eventsLog.rollbackTo(c.events ?? NO_EVENTS);
  }

  /** Closes every file without writing anything more. */
  async close(): Promise<void> {
    for (const l of [this.journal, this.historyLog, this.inboxLog, this.eventsLog, this.closing]) await l?.close(false).catch(() => undefined);
    await this.slots.close().catch(() => undefined);
  }
}
