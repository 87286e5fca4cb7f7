import type { SerialChain } from '../../serial-chain.js';
import type { Claims } from './commit-slots.js';
import type { DiskWatch } from './disk-watch.js';
import type { StoreFiles } from './store-files.js';

/** What the follow-up commit record needs of the store. */
export interface CommitConfirmParts {
  files: StoreFiles;
  disk: DiskWatch;
  /** The store's write lock: the follow-up record is written between flushes, never during one. */
  mutex: SerialChain;
  isClosed: () => boolean;
  /** The store's handling of a failed write; returns the error to throw. */
  fail: (err: unknown) => Error;
}

/**
 * The commit record of a commit is written beside its data, so after a crash a newest
 * record may describe a commit whose data never landed (never acknowledged). Once the
 * writes are quiet, a follow-up record confirms the last commit: from then on a file
 * shorter than it is damage, not a torn commit, even for the very last one.
 */
export class CommitConfirm {
  readonly #p: CommitConfirmParts;
  #scheduled = false;

  constructor(parts: CommitConfirmParts) {
    this.#p = parts;
  }

  /** After a commit: confirms the last one in the next turn of the event loop, unless more writes came. */
  schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#p.mutex.run(() => this.#confirm()).catch(() => undefined);
    });
  }

  async #confirm(): Promise<void> {
    const { files: f, disk } = this.#p;
    if (this.#p.isClosed() || !disk.writable || f.claims.confirmed || f.logs.some((l) => l.dirty)) return;
    const confirmed: Claims = { ...f.claims, gen: f.claims.gen + 1, confirmed: true };
    try {
      await f.slots.write(confirmed);
    } catch (err) {
      throw this.#p.fail(err);
    }
    f.claims = confirmed;
  }
}
