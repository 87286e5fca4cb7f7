import { mkdir, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Low } from 'lowdb';
import { KatarError } from '../../errors.js';
import type { InboxEntry, Task } from '../task.js';
import { AppendLog, type LogPosition } from './append-log.js';
import { DurableJsonFile, syncDirectory } from './durable-json-file.js';
import { GroupCommit } from './group-commit.js';
import { HistoryIndex, type HistoryMeta } from './history-index.js';
import { Mutex } from './mutex.js';

/** What the index keeps of a received SMS. */
export interface InboxMeta {
  _id: string;
  queue: string;
  seq: number;
  receivedAt: string;
  dedupKey?: string;
  pos: LogPosition;
}

/** The lowdb document: live tasks as of the last checkpoint. */
interface Checkpoint {
  version: 1;
  /** The first journal that holds changes made after this checkpoint. */
  journal: number;
  tasks: Task[];
}

/** Options of the file store. */
export interface FileStoreOptions {
  /** Checkpoint once the journal grows past this many bytes. */
  checkpointBytes?: number;
  /** Told about damaged lines that were skipped at load. */
  onWarning?: (msg: string, details: Record<string, unknown>) => void;
}

const CHECKPOINT_FILE = 'live.json';
const HISTORY_FILE = 'history.jsonl';
const INBOX_FILE = 'inbox.jsonl';
const journalName = (n: number): string => `journal-${String(n).padStart(8, '0')}.jsonl`;
const JOURNAL_RE = /^journal-(\d{8})\.jsonl$/;

/**
 * The durable store behind the queue, laid out so that an acknowledgement costs one
 * small append and one fdatasync, whatever the size of the history:
 *
 * - `live.json`: a lowdb checkpoint of the live tasks (queued, paused, in progress),
 *   rewritten atomically now and then, never on the request path;
 * - `journal-N.jsonl`: every change to a live task since the checkpoint, appended;
 * - `history.jsonl`: finished tasks, appended once each; only an index stays in memory;
 * - `inbox.jsonl`: received SMS, appended; only an index stays in memory.
 *
 * A finished task in history overrides any live state of the same id, so the order in
 * which the files reach the disk within one group commit does not matter.
 */
export class FileStore {
  readonly dir: string;
  /** Live tasks as loaded; the queue owns and mutates this map. */
  readonly live = new Map<string, Task>();
  readonly history = new HistoryIndex();
  readonly inbox: InboxMeta[] = [];
  readonly inboxByKey = new Map<string, string>();
  /** Largest seq seen, so new tasks and messages keep counting up. */
  maxSeq = 0;

  #db: Low<Checkpoint>;
  #journal!: AppendLog;
  #journalN = 1;
  #historyLog!: AppendLog;
  #inboxLog!: AppendLog;
  readonly #mutex = new Mutex();
  readonly #group: GroupCommit;
  readonly #checkpointBytes: number;
  readonly #warn: NonNullable<FileStoreOptions['onWarning']>;
  #checkpointing: Promise<void> | null = null;
  #broken: Error | null = null;

  private constructor(dir: string, opts: FileStoreOptions) {
    this.dir = dir;
    this.#db = new Low<Checkpoint>(new DurableJsonFile<Checkpoint>(join(dir, CHECKPOINT_FILE)), { version: 1, journal: 1, tasks: [] });
    this.#group = new GroupCommit(() => this.#mutex.run(() => this.#flushAll()));
    this.#checkpointBytes = opts.checkpointBytes ?? 8 * 1024 * 1024;
    this.#warn = opts.onWarning ?? (() => undefined);
  }

  /** Opens the store in `dir` (created if missing) and loads everything. */
  static async open(dir: string, opts: FileStoreOptions = {}): Promise<FileStore> {
    await mkdir(dir, { recursive: true });
    const store = new FileStore(dir, opts);
    await store.#load();
    return store;
  }

  async #load(): Promise<void> {
    await this.#db.read();
    const cp = this.#db.data;
    if (cp.version !== 1 || !Array.isArray(cp.tasks)) {
      throw new KatarError('STORE_CORRUPT', `${join(this.dir, CHECKPOINT_FILE)} has an unknown layout`, { path: this.dir });
    }
    for (const t of cp.tasks) this.#seeLive(t);

    const journals = (await readdir(this.dir))
      .map((f) => JOURNAL_RE.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    for (const n of journals) {
      if (n < cp.journal) {
        // Left behind by a crash between a checkpoint and its clean-up: already folded in.
        await unlink(join(this.dir, journalName(n)));
        continue;
      }
      const log = await AppendLog.open(join(this.dir, journalName(n)), (rec) => this.#replay(rec), (pos, why) => this.#warn('journal line skipped', { file: journalName(n), ...pos, why }));
      if (n === journals[journals.length - 1]) {
        this.#journal = log;
        this.#journalN = n;
      } else {
        await log.close();
      }
    }
    if (!this.#journal) {
      this.#journalN = cp.journal;
      this.#journal = await AppendLog.open(join(this.dir, journalName(this.#journalN)), () => undefined);
    }

    this.#historyLog = await AppendLog.open(join(this.dir, HISTORY_FILE), (rec, pos) => this.#indexHistory(rec as Task, pos), (pos, why) => this.#warn('history line skipped', { ...pos, why }));
    for (const id of this.history.keys()) this.live.delete(id);
    this.#inboxLog = await AppendLog.open(join(this.dir, INBOX_FILE), (rec, pos) => this.#indexInbox(rec as InboxEntry, pos), (pos, why) => this.#warn('inbox line skipped', { ...pos, why }));
    await syncDirectory(this.dir);
  }

  #seeLive(t: Task): void {
    this.live.set(t._id, t);
    if (t.seq > this.maxSeq) this.maxSeq = t.seq;
  }

  #replay(rec: unknown): void {
    const r = rec as { put?: Task };
    if (r.put && typeof r.put._id === 'string') this.#seeLive(r.put);
  }

  #indexHistory(t: Task, pos: LogPosition): void {
    if (!t || typeof t._id !== 'string') return;
    const meta: HistoryMeta = { _id: t._id, queue: t.queue, seq: t.seq, status: t.status, finishedAt: t.finishedAt ?? t.updatedAt, pos };
    if (t.idempotencyKey !== undefined) meta.idempotencyKey = t.idempotencyKey;
    this.history.set(meta);
    if (t.seq > this.maxSeq) this.maxSeq = t.seq;
  }

  #indexInbox(e: InboxEntry, pos: LogPosition): void {
    if (!e || typeof e._id !== 'string') return;
    const meta: InboxMeta = { _id: e._id, queue: e.queue, seq: e.seq, receivedAt: e.receivedAt, pos };
    if (e.dedupKey !== undefined) {
      meta.dedupKey = e.dedupKey;
      this.inboxByKey.set(e.dedupKey, e._id);
    }
    this.inbox.push(meta);
    if (e.seq > this.maxSeq) this.maxSeq = e.seq;
  }

  /** Records the new state of a live task (durable at the next commit). */
  putLive(task: Task): void {
    this.#journal.append({ put: task });
  }

  /** Moves a finished task to history (durable at the next commit). */
  finish(task: Task): void {
    this.#indexHistory(task, this.#historyLog.append(task));
  }

  /** Stores a received SMS (durable at the next commit). */
  addInbox(entry: InboxEntry): void {
    this.#indexInbox(entry, this.#inboxLog.append(entry));
  }

  /** Resolves when every change recorded so far is on disk (group commit). */
  async commit(): Promise<void> {
    if (this.#broken) throw this.#brokenError();
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

  async #flushAll(): Promise<void> {
    if (this.#broken) throw this.#brokenError();
    try {
      await Promise.all([this.#journal.flush(), this.#historyLog.flush(), this.#inboxLog.flush()]);
    } catch (err) {
      // What is in memory can no longer be made durable in order: stop acknowledging.
      this.#broken = err as Error;
      throw this.#brokenError();
    }
    if (this.#journal.size > this.#checkpointBytes && !this.#checkpointing) {
      setImmediate(() => void this.checkpoint().catch((err: unknown) => this.#warn('checkpoint failed', { err: String(err) })));
    }
  }

  #brokenError(): KatarError {
    return new KatarError('INTERNAL', `the store in ${this.dir} cannot write: ${this.#broken?.message}`, undefined, { cause: this.#broken });
  }

  /**
   * Folds the journal into a new lowdb checkpoint of the live tasks and starts a new
   * journal. Everything in the checkpoint is already durable in the journal before the
   * checkpoint is written, so a crash at any step loads the same state.
   */
  checkpoint(): Promise<void> {
    this.#checkpointing ??= this.#checkpoint().finally(() => {
      this.#checkpointing = null;
    });
    return this.#checkpointing;
  }

  async #checkpoint(): Promise<void> {
    const nextN = this.#journalN + 1;
    const next = await AppendLog.open(join(this.dir, journalName(nextN)), () => undefined);
    const old = this.#journal;
    const tasks = await this.#mutex.run(async () => {
      await this.#flushAll();
      const snapshot = [...this.live.values()];
      this.#journal = next;
      this.#journalN = nextN;
      await old.close();
      return snapshot;
    });
    this.#db.data = { version: 1, journal: nextN, tasks };
    await this.#db.write();
    for (const f of await readdir(this.dir)) {
      const m = JOURNAL_RE.exec(f);
      if (m && Number(m[1]) < nextN) await unlink(join(this.dir, f));
    }
  }

  /**
   * Retention: rewrites history and inbox without the entries `drop` selects. Runs a
   * checkpoint first so that no journal still holds an older live state of a task
   * that leaves history (which would otherwise come back to life at the next load).
   */
  async compact(dropTask: (m: HistoryMeta) => boolean, dropSms: (m: InboxMeta) => boolean): Promise<{ tasks: number; sms: number }> {
    await this.checkpoint();
    return this.#mutex.run(async () => {
      await this.#flushAll();
      const tasks = await this.#rewrite(HISTORY_FILE, this.#historyLog, [...this.history.values()], dropTask, () => this.history.clear(), (rec, pos) => this.#indexHistory(rec as Task, pos), (log) => {
        this.#historyLog = log;
      });
      const sms = await this.#rewrite(INBOX_FILE, this.#inboxLog, [...this.inbox], dropSms, () => {
        this.inbox.length = 0;
        this.inboxByKey.clear();
      }, (rec, pos) => this.#indexInbox(rec as InboxEntry, pos), (log) => {
        this.#inboxLog = log;
      });
      return { tasks, sms };
    });
  }

  async #rewrite<M extends { pos: LogPosition }>(
    file: string,
    log: AppendLog,
    metas: M[],
    drop: (m: M) => boolean,
    clearIndex: () => void,
    reindex: (rec: unknown, pos: LogPosition) => void,
    swap: (log: AppendLog) => void,
  ): Promise<number> {
    const dropped = metas.filter(drop).length;
    if (dropped === 0) return 0;
    const tmpPath = join(this.dir, `.${file}.compact`);
    await unlink(tmpPath).catch(() => undefined);
    const tmp = await AppendLog.open(tmpPath, () => undefined);
    for (const m of metas) {
      if (!drop(m)) tmp.append(await log.read(m.pos));
      if (tmp.size > 1 << 20) await tmp.flush();
    }
    await tmp.close();
    await log.close();
    await rename(tmpPath, join(this.dir, file));
    await syncDirectory(this.dir);
    clearIndex();
    swap(await AppendLog.open(join(this.dir, file), reindex));
    return dropped;
  }

  /** Flushes, writes a final checkpoint and closes the files. */
  async close(): Promise<void> {
    await this.#group.idle();
    if (!this.#broken) await this.checkpoint();
    await this.#journal.close();
    await this.#historyLog.close();
    await this.#inboxLog.close();
  }
}
