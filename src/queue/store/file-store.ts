import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { SerialChain } from '../../serial-chain.js';
import type { EventType, GatewayEvent } from '../gateway-event.js';
import type { InboxEntry, Task } from '../task.js';
import type { LogMark, LogPosition } from './append-log.js';
import { CheckpointWriter } from './checkpoint-writer.js';
import { removeStale } from './checkpoint-files.js';
import { CommitConfirm } from './commit-confirm.js';
import { compactLogs } from './compaction.js';
import type { EventRetention } from './event-compaction.js';
import { DiskWatch, type StoreHealth } from './disk-watch.js';
import type { EventScan } from './event-reader.js';
import { StoreEvents } from './store-events.js';
import { syncDirectory } from './durable-json-file.js';
import { writeFirstManifest } from './first-manifest.js';
import { GroupCommit } from './group-commit.js';
import { HistoryIndex, historyMeta, type HistoryMeta } from './history-index.js';
import { SegmentMap } from './live-segments.js';
import { StoreFiles } from './store-files.js';
import { loadStore, type LoadedState } from './store-loader.js';
import { inboxKey, type InboxMeta } from './store-types.js';
import { WriteFailure } from './write-failure.js';

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
 * store becomes writable again (a probe finds the disk writable): write-failure.ts.
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
  /** The event log: staged events, their index, listeners (store-events.ts). */
  readonly #events: StoreEvents;

  /** The open files and the durable claims; set by `open`, like the three helpers below. */
  #files!: StoreFiles;
  #failure!: WriteFailure;
  #confirm!: CommitConfirm;
  #checkpoints!: CheckpointWriter;
  #segments: SegmentMap;
  readonly #segmentTasks: number;
  readonly #disk: DiskWatch;
  /** One flush, follow-up commit record, checkpoint switch, rewrite or reload at a time. */
  readonly #mutex = new SerialChain();
  readonly #group: GroupCommit;
  readonly #checkpointBytes: number;
  readonly #warn: NonNullable<FileStoreOptions['onWarning']>;
  readonly #step: NonNullable<FileStoreOptions['onCheckpointStep']>;
  readonly #reloadListeners: Array<() => void> = [];
  readonly #stateListeners: Array<(h: StoreHealth) => void> = [];
  #closed = false;

  private constructor(dir: string, opts: FileStoreOptions) {
    this.dir = dir;
    this.#group = new GroupCommit(() => this.#mutex.run(() => this.#flushAll()));
    this.#checkpointBytes = opts.checkpointBytes ?? 8 * 1024 * 1024;
    this.#segmentTasks = opts.segmentTasks ?? 4096;
    this.#segments = new SegmentMap(this.#segmentTasks);
    this.#warn = opts.onWarning ?? (() => undefined);
    this.#events = new StoreEvents((msg, details) => this.#warn(msg, details));
    this.#step = opts.onCheckpointStep ?? (async () => undefined);
    this.#disk = new DiskWatch(dir, { reserveBytes: opts.reserveBytes ?? 16 * 1024 * 1024, ...(opts.probeIntervalMs !== undefined && { probeIntervalMs: opts.probeIntervalMs }) });
    this.#disk.onProbeOk = () => this.#mutex.run(() => this.#failure.becomeWritable());
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
    const manifest = state.manifest ?? (await writeFirstManifest(this.dir, state, this.#segments));
    const claims = state.manifest ? state.claims : manifest.claims;
    this.#files = await StoreFiles.open(this.dir, manifest, claims);
    const parts = { dir: this.dir, files: this.#files, live: this.live, disk: this.#disk, mutex: this.#mutex, isClosed: () => this.#closed };
    this.#failure = new WriteFailure({ ...parts, swapIn: (s) => this.#swapIn(s), reloaded: () => this.#reloadListeners.forEach((l) => l()), warn: this.#warn });
    this.#confirm = new CommitConfirm({ ...parts, fail: (err) => this.#failure.fail(err) });
    this.#checkpoints = new CheckpointWriter({ ...parts, segments: this.#segments, flushAll: () => this.#flushAll(), step: this.#step, checkpointBytes: this.#checkpointBytes });
    await removeStale(this.dir, manifest);
    await syncDirectory(this.dir);
    await this.#disk.refresh();
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
    this.#events.replaceIndex(state.events);
    // Segments whose tasks changed in the journal are not yet in the checkpoint: dirty.
    const dirty = this.#segments.takeDirty();
    for (const seq of state.changedSeqs) dirty.add(this.#segments.of(seq));
    this.#segments.reset(this.live.values(), dirty);
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
    this.#failure.noteChange();
    this.#files.journal.append({ put: task });
    this.#segments.put(task);
  }

  /** Moves a finished task to history, with a tombstone in the journal (durable at the next commit). */
  finish(task: Task): void {
    this.#failure.noteChange();
    this.#indexHistory(task, this.#files.historyLog.append(task));
    this.#files.journal.append({ fin: task._id });
    this.#segments.remove(task);
  }

  /** Stores a received SMS (durable at the next commit). */
  addInbox(entry: InboxEntry): void {
    this.#failure.noteChange();
    const pos = this.#files.inboxLog.append(entry);
    const meta: InboxMeta = { _id: entry._id, queue: entry.queue, seq: entry.seq, receivedAt: entry.receivedAt, pos };
    if (entry.dedupKey !== undefined) {
      meta.dedupKey = entry.dedupKey;
      this.inboxByKey.set(inboxKey(entry.queue, entry.dedupKey), entry._id);
    }
    this.inbox.push(meta);
    if (entry.seq > this.maxSeq) this.maxSeq = entry.seq;
  }

  /**
   * Appends an event (durable at the next commit, visible to readers and `onEvents`
   * listeners only once it is): the change it describes and the event are one write.
   */
  addEvent(type: EventType, data: Record<string, unknown>, queue: string | undefined, time: string): GatewayEvent {
    this.#failure.noteChange();
    return this.#events.add(this.#files.eventsLog, type, data, queue, time);
  }

  /** Registers a listener told of every event once it is durable, in id order. */
  onEvents(listener: (events: readonly GatewayEvent[]) => void): void {
    this.#events.onEvents(listener);
  }

  /** The oldest event id kept (undefined while none) and the newest durable one. */
  eventBounds(): { oldest: number | undefined; newest: number } {
    return this.#events.bounds();
  }

  /** Durable events after `after` (oldest first), at most `limit`, of `types` when given. */
  scanEvents(after: number, types: ReadonlySet<EventType> | undefined, limit: number): Promise<EventScan> {
    return this.#events.scan(this.#files, after, types, limit);
  }

  #indexHistory(t: Task, pos: LogPosition, into: HistoryIndex = this.history): void {
    into.set(historyMeta(t, pos));
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
    return (await this.#files.historyLog.read(meta.pos)) as Task;
  }

  /** Reads a received SMS back from the inbox file. */
  async readInbox(meta: InboxMeta): Promise<InboxEntry> {
    return (await this.#files.inboxLog.read(meta.pos)) as InboxEntry;
  }

  /** Bytes of each file, for health and the benchmark. */
  sizes(): { journal: number; history: number; inbox: number; events: number } {
    const f = this.#files;
    return { journal: f.journal.size, history: f.historyLog.size, inbox: f.inboxLog.size, events: f.eventsLog.size };
  }

  async #flushAll(): Promise<void> {
    if (!this.#disk.writable) throw this.#disk.error();
    const f = this.#files;
    const logs = [...f.logs, ...(f.closing ? [f.closing] : [])];
    if (!logs.some((l) => l.dirty)) return;
    const claims = f.nextClaims();
    // Every event staged so far goes out with this flush (one buffer per log, all written).
    const staged = this.#events.takeStaged();
    // Every write must have settled before a rollback: a late positional write of the failed
    // flush must not land over what is written after the store recovers.
    const results = await Promise.allSettled([...logs.map((l) => l.flush()), f.slots.write(claims)]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      this.#events.dropStaged();
      throw this.#failure.fail(failed.reason);
    }
    f.claims = claims;
    this.#events.publish(staged);
    this.#confirm.schedule();
    if (f.closing) await f.closeClosingJournal();
    if (this.#checkpoints.due) {
      setImmediate(() => void this.checkpoint().catch((err: unknown) => this.#warn('checkpoint failed; the journal stays valid and it is retried', { err })));
    }
  }

  /** Resolves once the writes in flight and the follow-up commit record are done (tests, benchmarks). */
  async settled(): Promise<void> {
    await this.#group.idle();
    await new Promise((r) => setImmediate(r));
    await this.#mutex.run(async () => undefined);
  }

  /** Folds the journal into the checkpoint (checkpoint-writer.ts); joins one that is running. */
  checkpoint(): Promise<void> {
    return this.#checkpoints.run();
  }

  /**
   * Retention: rewrites history and inbox without the entries the callbacks select
   * (compaction.ts), and the event log from the first event `events` keeps (event-compaction.ts).
   */
  async compact(dropTask: (m: HistoryMeta) => boolean, dropSms: (m: InboxMeta) => boolean, events?: EventRetention): Promise<{ tasks: number; sms: number; events: number }> {
    await this.checkpoint();
    return this.#mutex.run(async () => {
      await this.#flushAll();
      const fail = (err: unknown): Error => this.#failure.fail(err);
      const parts = { dir: this.dir, files: this.#files, history: this.history, inbox: this.inbox, inboxByKey: this.inboxByKey };
      const removed = await compactLogs({ ...parts, indexHistory: (t, pos, into) => this.#indexHistory(t, pos, into), fail }, dropTask, dropSms);
      if (!events) return { ...removed, events: 0 };
      const n = await this.#events.compact(this.dir, this.#files, events, fail);
      return { ...removed, events: n };
    });
  }

  /**
   * Closes the store. Writable: waits for the writes in flight and writes a final
   * checkpoint. Unwritable: closes at once; nothing that was not acknowledged is written.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#disk.writable) {
      await this.#group.idle();
      await this.checkpoint().catch((err: unknown) => this.#warn('final checkpoint failed; the journal stays valid', { err }));
    }
    this.#closed = true;
    this.#disk.stop();
    await this.#checkpoints.settled();
    await this.#files.close();
  }

  /**
   * Lets go of the files without writing anything more (no final checkpoint), as a
   * kill -9 or a power cut between two commits would: what is on disk is what the
   * commits made durable. For tests of crash recovery, which must still close their
   * file handles (node warns about, and will refuse, handles left to the GC).
   */
  async abandon(): Promise<void> {
    if (this.#closed) return;
    // Writes already started are let finish: closing a handle under them would fail them
    // with EBADF, which no crash does.
    await this.settled();
    this.#closed = true;
    this.#disk.stop();
    await this.#checkpoints.settled();
    await this.#files.close();
  }
}

/** The durable marks of a store, for tests and `store check`. */
export type { LogMark };
