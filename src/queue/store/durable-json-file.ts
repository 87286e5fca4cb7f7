import { open, readFile, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Adapter } from 'lowdb';
import { KatarError } from '../../errors.js';

/**
 * A lowdb adapter that makes a write durable before it resolves: write a temporary
 * file, fsync it, rename it over the target, fsync the directory. lowdb's own JSONFile
 * (steno) renames without fsync, so a power cut could leave an empty or old file after
 * the write was acknowledged; and `JSONFilePreset` silently keeps data in memory when
 * NODE_ENV=test. This adapter is used explicitly everywhere, tests included.
 */
export class DurableJsonFile<T> implements Adapter<T> {
  readonly #path: string;
  readonly #tmp: string;

  constructor(path: string) {
    this.#path = path;
    this.#tmp = join(dirname(path), `.${basename(path)}.tmp`);
  }

  /** Reads and parses the file; null when it does not exist. */
  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      // Renames are atomic, so a torn checkpoint cannot happen by our doing; a broken
      // file means outside damage. Refuse to start rather than silently drop tasks.
      throw new KatarError('STORE_CORRUPT', `${this.#path} is not valid JSON; move it aside to start empty`, { path: this.#path }, { cause: err });
    }
  }

  /** Writes `data` as JSON durably (temp file, fsync, rename, directory fsync). */
  async write(data: T): Promise<void> {
    const handle = await open(this.#tmp, 'w');
    try {
      await handle.writeFile(JSON.stringify(data));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(this.#tmp, this.#path);
    await syncDirectory(dirname(this.#path));
  }
}

/** fsyncs a directory so that a rename or a new file in it survives a power cut. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
