import { mkdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { InboxEntry, Task } from '../task.js';
import { AppendLog, type LogMark } from './append-log.js';
import { writeChangedSegments, removeStale } from './checkpoint-files.js';
import { CommitSlots, SLOTS_FILE, type Claims } from './commit-slots.js';
import { DiskWatch, type StoreHealth } from './disk-watch.js';
import { DurableJsonFile, syncDirectory } from './durable-json-file.js';
import { GroupCommit } from './group-commit.js';
import { HistoryIndex, type HistoryMeta } from './history-index.js';
import { SegmentMap } from './live-segments.js';
import { writeManifest, type Manifest } from './manifest.js';
import { Mutex } from './mutex.js';
import { loadStore, type LoadedState } from './store-loader.js';
import { FILES, journalName, type InboxMeta, type LegacyCheckpoint } from './store-types.js';

export type { InboxMeta } from './store-types.js';
export type { StoreHealth } from './disk-watch.js';

/** Options of the file store. */
export interface FileStoreOptions {
  /** Checkpoint once the journal grows past this many bytes. */
  checkpointBytes?: number;
  /** Live tasks per checkpoint segment (default 4096). */
  segmentTasks?: number;
  /** Free space below which new tasks are refused (default 16 MiB). */
  reserveBytes?: number;
  /** How often an unwritable store probes the disk (default 2000 ms). */
  probeIntervalMs?: number;
  /** Told about what the store did on its own (a checkpoint failed, a reload). */
  onWarning?: (msg: string, details: Record<string, unknown>) => void;
  /** Test seam: awaited between the steps of a checkpoint (a crash image can be taken there). */
  onCheckpointStep?: (step: 'switched' | 'segments' | 'manifest') => Promise<void>;
}

const CHECKPOINT_RETRY_MS = 30_000;

/**
 * The durable store behind the queue (the format is in docs/STORE.md). An
 * acknowledgement costs one small append per file and one fdatasync each, in parallel,
 * beside the write of a 512-byte commit record that says where every file ends:
 *
 * - `manifest.json` + `live/segment-*.json`: a lowdb checkpoint of the live tasks,
 *   partitioned by seq; a checkpoint rewrites only the segments that changed;
 * - `journal-N.jsonl`: every change to a live task since the checkpoint, a finish as a
 *   tombstone, so a finished task never comes back from the checkpoint or journal;
 * - `history.jsonl`, `inbox.jsonl`: finished tasks and received SMS; indexes in memory;
 * - `commit.slots`: the commit records.
 *
 * A failed write rejects the commits waiting on it, makes the store unwritable, and
 * reloads the state from disk so that nothing unacknowledged is ever applied; mutations
 * made while unwritable are refused and discarded by a second reload just before the
 * store becomes writable again (a probe finds the disk writable).
 */
export class FileStore {
  readonly dir: string;
  /** Live tasks; the queue owns and mutates this map (a reload refills it in place). */
  readonly live = new Map<string, Task>();
  readonly history = new HistoryIndex();
  readonly inbox: InboxMeta[] = [];
  readonly inboxByKey = new Map<string, string>();
  /** Largest seq seen, so new tasks and messages keep counting up. */
  maxSeq = 0;

  #journal!: AppendLog;
  /** The journal being closed by a checkpoint, until its last records are durable. */
  #closing: AppendLog | null = null;
  #journalN = 1;
  #historyLog!: AppendLog;
  #inboxLog!: AppendLog;
  #slots!: CommitSlots;
  #manifest!: Manifest;
  /** What the last successful commit made durable. */
  #claims!: Claims;
  #segments: SegmentMap;
  readonly #segmentTasks: number;
  readonly #disk: DiskWatch;
  readonly #mutex = new Mutex();
  readonly #group: GroupCommit;
  readonly #checkpointBytes: number;
  readonly #warn: NonNullable<FileStoreOptions['onWarning']>;
  readonly #step: NonNullable<FileStoreOptions['onCheckpointStep']>;
  readonly #reloadListeners: Array<() => void> = [];
  readonly #stateListeners: Array<(h: StoreHealth) => void> = [];
  #checkpointing: Promise<void> | null = null;
  #checkpointRetryAt = 0;
  /** Something changed in memory since the last reload while unwritable. */
  #staleWhileDown = false;
  #confirming = false;
  #closed = false;

  private constructor(dir: string, opts: FileStoreOptions) {
    this.dir = dir;
    this.#group = new GroupCommit(() => this.#mutex.run(() => this.#flushAll()));
    this.#checkpointBytes = opts.checkpointBytes ?? 8 * 1024 * 1024;
    this.#segmentTasks = opts.segmentTasks ?? 4096;
    this.#segments = new SegmentMap(this.#segmentTasks);
    this.#warn = opts.onWarning ?? (() => undefined);
    this.#step = opts.onCheckpointStep ?? (async () => undefined);
    this.#disk = new DiskWatch(dir, { reserveBytes: opts.reserveBytes ?? 16 * 1024 * 1024, ...(opts.probeIntervalMs !== undefined && { probeIntervalMs: opts.probeIntervalMs }) });
    this.#disk.onProbeOk = () => this.#mutex.run(() => this.#becomeWritable());
    this.#disk.onChange = (h) => {
      for (const l of this.#stateListeners) l(h);
    };
  }

  /**
   * Opens the store in `dir` (created if missing) and loads everything; a damaged
   * directory throws STORE_CORRUPT naming the file and offset. A v0.1 directory is
   * upgraded in place.
   */
  static async open(dir: string, opts: FileStoreOptions = {}): Promise<FileStore> {
    await mkdir(dir, { recursive: true });
    const store = new FileStore(dir, opts);
    await store.#open();
    return store;
  }

  async #open(): Promise<void> {
    const { state } = await loadStore(this.dir, { mode: 'strict' });
    for (const f of state.fixes) if (f.kind === 'delete') await unlink(join(this.dir, f.file)).catch(() => undefined);
    // The seq range of a segment is the directory's, not this process's option.
    this.#segments = new SegmentMap(state.manifest?.segmentTasks ?? this.#segmentTasks);
    this.#swapIn(state);
    const claims = state.manifest ? state.claims : await this.#upgrade(state);
    this.#journalN = claims.journal.file;
    // Opening at the durable marks cuts what follows them: writes never acknowledged.
    this.#journal = await AppendLog.open(join(this.dir, journalName(this.#journalN)), claims.journal);
    this.#historyLog = await AppendLog.open(join(this.dir, FILES.history), claims.history);
    this.#inboxLog = await AppendLog.open(join(this.dir, FILES.inbox), claims.inbox);
    this.#slots = await CommitSlots.open(join(this.dir, SLOTS_FILE));
    this.#claims = claims;
    await removeStale(this.dir, this.#manifest);
    await syncDirectory(this.dir);
    await this.#disk.refresh();
  }

  /**
   * Writes the first manifest of a new or v0.1 directory: all live tasks into segments
   * and a new journal; the v0.1 live.json and journals go once the manifest is durable.
   */
  async #upgrade(state: LoadedState): Promise<Claims> {
    if (state.live.size > 0) {
      // Until the manifest exists, a crash must find a v0.1 checkpoint beside the new segments.
      const cp: LegacyCheckpoint = { version: 1, journal: state.journalStart, tasks: [...state.live.values()] };
      await new DurableJsonFile<LegacyCheckpoint>(join(this.dir, FILES.legacyCheckpoint)).write(cp);
    }
    const byId = new Map<number, Task[]>();
    for (const t of state.live.values()) {
      const id = this.#segments.of(t.seq);
      byId.set(id, [...(byId.get(id) ?? []), t]);
    }
    const journal = state.claims.journal.bytes > 0 || state.journalStart < state.claims.journal.file ? state.claims.journal.file + 1 : state.claims.journal.file;
    const claims: Claims = { ...state.claims, gen: 0, journal: { file: journal, records: 0, bytes: 0 } };
    const segments = await writeChangedSegments(this.dir, 1, [], byId);
    const m: Manifest = { version: 2, checkpoint: 1, journal, segmentTasks: this.#segments.size, claims, segments };
    await writeManifest(this.dir, m);
    this.#manifest = m;
    return claims;
  }

  #swapIn(state: LoadedState): void {
    this.live.clear();
    for (const [id, t] of state.live) this.live.set(id, t);
    this.history.replaceWith(state.history);
    this.inbox.length = 0;
    for (const m of state.inbox) this.inbox.push(m);
    this.inboxByKey.clear();
    for (const [k, v] of state.inboxByKey) this.inboxByKey.set(k, v);
    this.maxSeq = Math.max(this.maxSeq, state.maxSeq);
    // Segments whose tasks changed in the journal are not yet in the checkpoint: dirty.
    const dirty = this.#segments.takeDirty();
    for (const seq of state.changedSeqs) dirty.add(this.#segments.of(seq));
    this.#segments.reset(this.live.values(), dirty);
    if (state.manifest) this.#manifest = state.manifest;
  }

  /** The disk watch: free space, writability, and the probe (tests call `probe()` directly). */
  get disk(): DiskWatch {
    return this.#disk;
  }

  /** Registers a listener called synchronously right after a reload refilled the state. */
  onReload(listener: () => void): void {
    this.#reloadListeners.push(listener);
  }

  /** Registers a listener told whenever the store becomes unwritable or writable again. */
  onStateChange(listener: (h: StoreHealth) => void): void {
    this.#stateListeners.push(listener);
  }

  /** Whether the store can write and take new tasks. */
  health(): StoreHealth {
    return this.#disk.health();
  }

  /** Throws STORAGE_FULL (or STORE_UNAVAILABLE) unless new tasks may be added now. */
  assertAcceptingNew(): void {
    this.#disk.assertAcceptingNew();
  }

  /**
   * Throws STORAGE_FULL / STORE_UNAVAILABLE while the store cannot write. Callers check
   * before they change anything in memory, so that no change that cannot be made durable
   * is ever seen by a later request (which could take it for an earlier, acknowledged one).
   */
  assertWritable(): void {
    if (!this.#disk.writable) throw this.#disk.error();
  }

  /** False while the store cannot write (cheap: no free-space reading). */
  get writable(): boolean {
    return this.#disk.writable;
  }

  /** Records the new state of a live task (durable at the next commit). */
  putLive(task: Task): void {
    this.#touch();
    this.#journal.append({ put: task });
    this.#segments.put(task);
  }

  /** Moves a finished task to history, with a tombstone in the journal (durable at the next commit). */
  finish(task: Task): void {
    this.#touch();
    this.#indexHistory(task, this.#historyLog.append(task));
    this.#journal.append({ fin: task._id });
    this.#segments.remove(task);
  }

  /** Stores a received SMS (durable at the next commit). */
  addInbox(entry: InboxEntry): void {
    this.#touch();
    const pos = this.#inboxLog.append(entry);
    const meta: InboxMeta = { _id: entry._id, queue: entry.queue, seq: entry.seq, receivedAt: entry.receivedAt, pos };
    if (entry.dedupKey !== undefined) {
      meta.dedupKey = entry.dedupKey;
      this.inboxByKey.set(entry.dedupKey, entry._id);
    }
    this.inbox.push(meta);
    if (entry.seq > this.maxSeq) this.maxSeq = entry.seq;
  }

  #touch(): void {
    if (!this.#disk.writable) this.#staleWhileDown = true;
  }

  #indexHistory(t: Task, pos: { offset: number; length: number }, into: HistoryIndex = this.history): void {
    const meta: HistoryMeta = { _id: t._id, queue: t.queue, seq: t.seq, status: t.status, finishedAt: t.finishedAt ?? t.updatedAt, pos };
    if (t.idempotencyKey !== undefined) meta.idempotencyKey = t.idempotencyKey;
    into.set(meta);
    if (t.seq > this.maxSeq) this.maxSeq = t.seq;
  }

  /**
   * Resolves when every change recorded so far is on disk (group commit). Rejects with
   * STORAGE_FULL / STORE_UNAVAILABLE when the write fails or the store cannot write: the
   * change is then discarded (see the class comment), never written later.
   */
  async commit(): Promise<void> {
    if (!this.#disk.writable) throw this.#disk.error();
    await this.#group.commit();
  }

  /** Reads a finished task back from history. */
  async readHistory(meta: HistoryMeta): Promise<Task> {
    return (await this.#historyLog.read(meta.pos)) as Task;
  }

  /** Reads a received SMS back from the inbox file. */
  async readInbox(meta: InboxMeta): Promise<InboxEntry> {
    return (await this.#inboxLog.read(meta.pos)) as InboxEntry;
  }

  /** Bytes of each file, for health and the benchmark. */
  sizes(): { journal: number; history: number; inbox: number } {
    return { journal: this.#journal.size, history: this.#historyLog.size, inbox: this.#inboxLog.size };
  }

  /** The claims a flush started now makes durable (taken in the same tick as the writes). */
  #nextClaims(): Claims {
    return {
      gen: this.#claims.gen + 1,
      journal: { file: this.#journalN, ...this.#journal.mark },
      history: { ...this.#historyLog.mark, epoch: this.#claims.history.epoch },
      inbox: { ...this.#inboxLog.mark, epoch: this.#claims.inbox.epoch },
    };
  }

  async #flushAll(): Promise<void> {
    if (!this.#disk.writable) throw this.#disk.error();
    const logs = [this.#journal, this.#historyLog, this.#inboxLog, ...(this.#closing ? [this.#closing] : [])];
    if (!logs.some((l) => l.dirty)) return;
    const claims = this.#nextClaims();
    // Every write must have settled before a rollback: a late positional write of the failed
    // flush must not land over what is written after the store recovers.
    const results = await Promise.allSettled([...logs.map((l) => l.flush()), this.#slots.write(claims)]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw this.#fail(failed.reason);
    this.#claims = claims;
    this.#scheduleConfirm();
    if (this.#closing) {
      const old = this.#closing;
      this.#closing = null;
      await old.close(false).catch(() => undefined);
    }
    if (this.#journal.size > this.#checkpointBytes && !this.#checkpointing && performance.now() >= this.#checkpointRetryAt) {
      setImmediate(() => void this.checkpoint().catch((err: unknown) => this.#warn('checkpoint failed; the journal stays valid and it is retried', { err: String(err) })));
    }
  }

  /**
   * The commit record of a commit is written beside its data, so after a crash a newest
   * record may describe a commit whose data never landed (never acknowledged). Once the
   * writes are quiet, a follow-up record confirms the last commit: from then on a file
   * shorter than it is damage, not a torn commit, even for the very last one.
   */
  #scheduleConfirm(): void {
    if (this.#confirming) return;
    this.#confirming = true;
    setImmediate(() => {
      this.#confirming = false;
      void this.#mutex
        .run(async () => {
          const dirty = [this.#journal, this.#historyLog, this.#inboxLog].some((l) => l.dirty);
          if (this.#closed || !this.#disk.writable || this.#claims.confirmed || dirty) return;
          const confirmed: Claims = { ...this.#claims, gen: this.#claims.gen + 1, confirmed: true };
          try {
            await this.#slots.write(confirmed);
          } catch (err) {
            throw this.#fail(err);
          }
          this.#claims = confirmed;
        })
        .catch(() => undefined);
    });
  }

  /** Resolves once the writes in flight and the follow-up commit record are done (tests, benchmarks). */
  async settled(): Promise<void> {
    await this.#group.idle();
    await new Promise((r) => setImmediate(r));
    await this.#mutex.run(async () => undefined);
  }

  /**
   * A write failed: unwritable, every record that is not durable forgotten, and the state
   * reloaded from disk (after the commits waiting on this write have been rejected).
   */
  #fail(err: unknown): Error {
    const e = this.#disk.fail(err);
    if (this.#closing) {
      // The journal switch of a checkpoint did not become durable: keep writing the old one.
      const next = this.#journal;
      this.#journal = this.#closing;
      this.#closing = null;
      this.#journalN = this.#claims.journal.file;
      void next.close(false).catch(() => undefined);
    }
    for (const l of [this.#journal, this.#historyLog, this.#inboxLog]) l.rollback();
    this.#staleWhileDown = true;
    void this.#mutex.run(() => this.#reload()).catch(() => undefined);
    return e;
  }

  /** Refills the in-memory state from what is durable, then tells the listeners. */
  async #reload(): Promise<void> {
    let state: LoadedState;
    try {
      ({ state } = await loadStore(this.dir, { mode: 'strict', known: { claims: this.#claims, manifest: this.#manifest, journalStart: this.#manifest.journal } }));
    } catch (err) {
      this.#warn('reload after a failed write failed; retried when the disk can be written', { err: String(err) });
      throw err;
    }
    // Synchronous from here: nothing appended during the load survives it.
    for (const l of [this.#journal, this.#historyLog, this.#inboxLog]) l.rollback();
    this.#swapIn(state);
    this.#staleWhileDown = false;
    this.#warn('state reloaded from disk: changes that were not acknowledged are discarded', { live: this.live.size });
    for (const l of this.#reloadListeners) l();
  }

  /** After a successful probe: cut the files back, reload if needed, then accept writes. */
  async #becomeWritable(): Promise<boolean> {
    if (this.#closed) return false;
    try {
      for (const l of [this.#journal, this.#historyLog, this.#inboxLog]) await l.truncateToDurable();
      if (this.#staleWhileDown) await this.#reload();
    } catch {
      return false;
    }
    this.#disk.recovered();
    return true;
  }

  /**
   * Folds the journal into the checkpoint: the segments that changed since the last one
   * are written under new names, then the manifest that names them (the commit point),
   * then what it no longer needs is deleted. A crash or a failed write at any step leaves
   * the old manifest and every journal it needs valid; a failed checkpoint is retried.
   */
  checkpoint(): Promise<void> {
    this.#checkpointing ??= this.#checkpoint().finally(() => {
      this.#checkpointing = null;
    });
    return this.#checkpointing;
  }

  async #checkpoint(): Promise<void> {
    const nextN = this.#journalN + 1;
    const next = await AppendLog.open(join(this.dir, journalName(nextN)));
    await syncDirectory(this.dir);
    let dirty: Set<number> = new Set();
    const changed = new Map<number, Task[]>();
    let claims: Claims;
    try {
      claims = await this.#mutex.run(async () => {
        if (!this.#disk.writable) throw this.#disk.error();
        // One synchronous step: the journal closes, the next takes every later change, and
        // the snapshot of the changed segments is exactly the state at the switch.
        this.#journal.append({ end: nextN });
        this.#closing = this.#journal;
        this.#journal = next;
        this.#journalN = nextN;
        dirty = this.#segments.takeDirty();
        for (const id of dirty) changed.set(id, [...this.#segments.members(id)].map((tid) => this.live.get(tid)).filter((t): t is Task => t !== undefined));
        await this.#flushAll();
        return this.#claims;
      });
    } catch (err) {
      this.#segments.redirty(dirty);
      if (this.#journal !== next) await next.close(false).catch(() => undefined);
      this.#checkpointRetryAt = performance.now() + CHECKPOINT_RETRY_MS;
      throw err;
    }
    const cp = this.#manifest.checkpoint + 1;
    try {
      await this.#step('switched');
      const segments = await writeChangedSegments(this.dir, cp, this.#manifest.segments, changed);
      await this.#step('segments');
      const m: Manifest = { ...this.#manifest, checkpoint: cp, journal: nextN, claims, segments };
      await writeManifest(this.dir, m);
      this.#manifest = m;
      await this.#step('manifest');
    } catch (err) {
      this.#segments.redirty(dirty);
      this.#checkpointRetryAt = performance.now() + CHECKPOINT_RETRY_MS;
      // The new segment files are not named by any manifest; the next load or checkpoint deletes them.
      throw err;
    }
    await removeStale(this.dir, this.#manifest).catch(() => undefined);
  }

  /**
   * Retention: rewrites history and inbox without the entries `drop` selects, as a new
   * rewrite of each file (a header record numbers it), renamed over the old one; then a
   * commit record names the new file. Records appended meanwhile move to the new file.
   */
  async compact(dropTask: (m: HistoryMeta) => boolean, dropSms: (m: InboxMeta) => boolean): Promise<{ tasks: number; sms: number }> {
    await this.checkpoint();
    return this.#mutex.run(async () => {
      await this.#flushAll();
      let tasks = 0;
      let sms = 0;
      const metas = [...this.history.values()];
      if (metas.some(dropTask)) {
        const idx = new HistoryIndex();
        const keep = metas.filter((m) => !dropTask(m));
        tasks = metas.length - keep.length;
        await this.#rewrite(FILES.history, 'history', keep, (v, pos) => this.#indexHistory(v as Task, pos, idx), () => this.history.replaceWith(idx));
      }
      const inbox = [...this.inbox];
      if (inbox.some(dropSms)) {
        const kept: InboxMeta[] = [];
        const byKey = new Map<string, string>();
        const keep = inbox.filter((m) => !dropSms(m));
        sms = inbox.length - keep.length;
        await this.#rewrite(FILES.inbox, 'inbox', keep, (v, pos) => {
          const e = v as InboxEntry;
          const meta: InboxMeta = { _id: e._id, queue: e.queue, seq: e.seq, receivedAt: e.receivedAt, pos };
          if (e.dedupKey !== undefined) {
            meta.dedupKey = e.dedupKey;
            byKey.set(e.dedupKey, e._id);
          }
          kept.push(meta);
        }, () => {
          this.inbox.length = 0;
          for (const m of kept) this.inbox.push(m);
          this.inboxByKey.clear();
          for (const [k, v] of byKey) this.inboxByKey.set(k, v);
        });
      }
      return { tasks, sms };
    });
  }

  async #rewrite(file: string, which: 'history' | 'inbox', keep: Array<{ pos: { offset: number; length: number } }>, index: (value: unknown, pos: { offset: number; length: number }) => void, swapIndex: () => void): Promise<void> {
    const old = which === 'history' ? this.#historyLog : this.#inboxLog;
    const epoch = this.#claims[which].epoch + 1;
    const tmpPath = join(this.dir, `.${file}.compact`);
    await unlink(tmpPath).catch(() => undefined);
    const tmp = await AppendLog.open(tmpPath);
    const pending: Array<[unknown, { offset: number; length: number }]> = [];
    try {
      tmp.append({ epoch });
      for (const m of keep) {
        const v = await old.read(m.pos);
        pending.push([v, tmp.append(v)]);
        if (tmp.size - tmp.durable.bytes > 1 << 20) await tmp.flush();
      }
      await tmp.flush();
    } catch (err) {
      await tmp.close(false);
      await unlink(tmpPath).catch(() => undefined);
      throw err;
    }
    await tmp.close(false);
    await rename(tmpPath, join(this.dir, file));
    await syncDirectory(this.dir);
    const log = await AppendLog.open(join(this.dir, file), tmp.durable);
    // Records appended while the file was rewritten (not yet written: the mutex is held).
    for (const v of old.pendingValues()) if (v !== undefined) pending.push([v, log.append(v)]);
    for (const [v, pos] of pending) index(v, pos);
    if (which === 'history') this.#historyLog = log;
    else this.#inboxLog = log;
    swapIndex();
    await old.close(false);
    const claims: Claims = { ...this.#claims, gen: this.#claims.gen + 1, [which]: { ...log.durable, epoch } };
    try {
      await this.#slots.write(claims);
    } catch (err) {
      throw this.#fail(err);
    }
    this.#claims = claims;
  }

  /**
   * Closes the store. Writable: waits for the writes in flight and writes a final
   * checkpoint. Unwritable: closes at once; nothing that was not acknowledged is written.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#disk.writable) {
      await this.#group.idle();
      await this.checkpoint().catch((err: unknown) => this.#warn('final checkpoint failed; the journal stays valid', { err: String(err) }));
    }
    this.#closed = true;
    this.#disk.stop();
    await this.#checkpointing?.catch(() => undefined);
    for (const l of [this.#journal, this.#historyLog, this.#inboxLog, this.#closing]) await l?.close(false).catch(() => undefined);
    await this.#slots.close().catch(() => undefined);
  }
}

/** The durable marks of a store, for tests and `store check`. */
export type { LogMark };
