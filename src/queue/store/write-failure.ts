import type { SerialChain } from '../../serial-chain.js';
import type { Task } from '../task.js';
import type { DiskWatch } from './disk-watch.js';
import { loadStore, type LoadedState } from './store-loader.js';
import type { StoreFiles } from './store-files.js';

/** What the way back from a failed write works on. */
export interface WriteFailureParts {
  dir: string;
  files: StoreFiles;
  live: ReadonlyMap<string, Task>;
  disk: DiskWatch;
  /** The store's write lock: the reload waits for the writes in flight. */
  mutex: SerialChain;
  isClosed: () => boolean;
  /** Refills the store's in-memory state from a load. */
  swapIn: (state: LoadedState) => void;
  /** Tells the store's listeners, synchronously, that a reload refilled the state. */
  reloaded: () => void;
  warn: (msg: string, details: Record<string, unknown>) => void;
}

/**
 * A failed write and the way back (see FileStore): the store becomes unwritable, every
 * record that is not durable is forgotten and the state is reloaded from disk, so that
 * nothing unacknowledged is ever applied. Changes made in memory while unwritable are
 * refused by the store and discarded by a second reload just before a successful probe
 * makes the store writable again.
 */
export class WriteFailure {
  readonly #p: WriteFailureParts;
  /** Something changed in memory since the last reload while unwritable. */
  #staleWhileDown = false;

  constructor(parts: WriteFailureParts) {
    this.#p = parts;
  }

  /** The store's memory is about to change: noted when that cannot become durable. */
  noteChange(): void {
    if (!this.#p.disk.writable) this.#staleWhileDown = true;
  }

  /**
   * A write failed: unwritable, every record that is not durable forgotten, and the state
   * reloaded from disk (after the commits waiting on this write have been rejected).
   * Returns the error to reject them with.
   */
  fail(err: unknown): Error {
    const e = this.#p.disk.fail(err);
    this.#p.files.keepClosingJournal();
    this.#p.files.rollback();
    this.#staleWhileDown = true;
    void this.#p.mutex.run(() => this.#reload()).catch(() => undefined);
    return e;
  }

  /** After a successful probe (holding the mutex): cut the files back, reload if needed, then accept writes. */
  async becomeWritable(): Promise<boolean> {
    if (this.#p.isClosed()) return false;
    try {
      for (const l of this.#p.files.logs) await l.truncateToDurable();
      if (this.#staleWhileDown) await this.#reload();
    } catch {
      return false;
    }
    this.#p.disk.recovered();
    return true;
  }

  /** Refills the in-memory state from what is durable, then tells the listeners. */
  async #reload(): Promise<void> {
    const { dir, files: f } = this.#p;
    let state: LoadedState;
    try {
      ({ state } = await loadStore(dir, { mode: 'strict', known: { claims: f.claims, manifest: f.manifest, journalStart: f.manifest.journal } }));
    } catch (err) {
      this.#p.warn('reload after a failed write failed; retried when the disk can be written', { err });
      throw err;
    }
    // Synchronous from here: nothing appended during the load survives it.
    f.rollback();
    this.#p.swapIn(state);
    if (state.manifest) f.manifest = state.manifest;
    this.#staleWhileDown = false;
    this.#p.warn('state reloaded from disk: changes that were not acknowledged are discarded', { live: this.#p.live.size });
    this.#p.reloaded();
  }
}
