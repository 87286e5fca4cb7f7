import { join } from 'node:path';
import type { SerialChain } from '../../serial-chain.js';
import type { Task } from '../task.js';
import { AppendLog } from './append-log.js';
import { removeStale, writeChangedSegments } from './checkpoint-files.js';
import type { Claims } from './commit-slots.js';
import type { DiskWatch } from './disk-watch.js';
import { syncDirectory } from './durable-json-file.js';
import type { SegmentMap } from './live-segments.js';
import { writeManifest, type Manifest } from './manifest.js';
import type { StoreFiles } from './store-files.js';
import { journalName } from './store-types.js';

/** How long after a failed checkpoint the journal's growth may start the next one. */
const CHECKPOINT_RETRY_MS = 30_000;

/** What a checkpoint works on: the store's files, segments and live tasks, and its write lock. */
export interface CheckpointParts {
  dir: string;
  files: StoreFiles;
  segments: SegmentMap;
  live: ReadonlyMap<string, Task>;
  disk: DiskWatch;
  /** The store's write lock: one flush, confirm, checkpoint switch or rewrite at a time. */
  mutex: SerialChain;
  /** The store's flush of every log (called holding the mutex). */
  flushAll: () => Promise<void>;
  /** Test seam: awaited between the steps (a crash image can be taken there). */
  step: (step: 'switched' | 'segments' | 'manifest') => Promise<void>;
  /** Journal bytes past which a checkpoint is due. */
  checkpointBytes: number;
}

/**
 * Folds the journal into the checkpoint: the segments that changed since the last one
 * are written under new names, then the manifest that names them (the commit point),
 * then what it no longer needs is deleted. A crash or a failed write at any step leaves
 * the old manifest and every journal it needs valid; a failed checkpoint is retried.
 */
export class CheckpointWriter {
  readonly #p: CheckpointParts;
  #running: Promise<void> | null = null;
  #retryAt = 0;

  constructor(parts: CheckpointParts) {
    this.#p = parts;
  }

  /** True when the journal has grown past its limit and no checkpoint is running or waiting to be retried. */
  get due(): boolean {
    return this.#p.files.journal.size > this.#p.checkpointBytes && !this.#running && performance.now() >= this.#retryAt;
  }

  /** Writes a checkpoint, or joins the one running. */
  run(): Promise<void> {
    this.#running ??= this.#write().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  /** Resolves once the checkpoint running, if any, has ended, however it ended. */
  async settled(): Promise<void> {
    await this.#running?.catch(() => undefined);
  }

  async #write(): Promise<void> {
    const { dir, files: f, segments, live, disk, mutex, step } = this.#p;
    const nextN = f.journalN + 1;
    const next = await AppendLog.open(join(dir, journalName(nextN)));
    await syncDirectory(dir);
    let dirty: Set<number> = new Set();
    const changed = new Map<number, Task[]>();
    let claims: Claims;
    try {
      claims = await mutex.run(async () => {
        if (!disk.writable) throw disk.error();
        // One synchronous step: the journal closes, the next takes every later change, and
        // the snapshot of the changed segments is exactly the state at the switch.
        f.journal.append({ end: nextN });
        f.closing = f.journal;
        f.journal = next;
        f.journalN = nextN;
        dirty = segments.takeDirty();
        for (const id of dirty) changed.set(id, [...segments.members(id)].map((tid) => live.get(tid)).filter((t): t is Task => t !== undefined));
        await this.#p.flushAll();
        return f.claims;
      });
    } catch (err) {
      segments.redirty(dirty);
      if (f.journal !== next) await next.close(false).catch(() => undefined);
      this.#retryAt = performance.now() + CHECKPOINT_RETRY_MS;
      throw err;
    }
    const cp = f.manifest.checkpoint + 1;
    try {
      await step('switched');
      const written = await writeChangedSegments(dir, cp, f.manifest.segments, changed);
      await step('segments');
      const m: Manifest = { ...f.manifest, checkpoint: cp, journal: nextN, claims, segments: written };
      await writeManifest(dir, m);
      f.manifest = m;
      await step('manifest');
    } catch (err) {
      segments.redirty(dirty);
      this.#retryAt = performance.now() + CHECKPOINT_RETRY_MS;
      // The new segment files are not named by any manifest; the next load or checkpoint deletes them.
      throw err;
    }
    await removeStale(dir, f.manifest).catch(() => undefined);
  }
}
