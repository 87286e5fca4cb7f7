import { Low } from 'lowdb';
import { DurableJsonFile } from './durable-json-file.js';

/** A small JSON document on disk, read once and rewritten whole, durably. */
export interface JsonDocument<T> {
  /** The document in memory; change it, then `write()`. */
  data: T;
  /** Writes `data` durably (temp file, fsync, rename, directory fsync). */
  write(): Promise<void>;
}

/**
 * Opens the lowdb document at `path` (with `initial` when the file does not exist yet)
 * through the durable adapter. For the gateway's small state files (clock jumps, the
 * remote worker's outbox): lowdb rewrites the whole file on each write, which is cheap
 * at their size.
 */
export async function openJsonDocument<T>(path: string, initial: T): Promise<JsonDocument<T>> {
  const db = new Low<T>(new DurableJsonFile<T>(path), initial);
  await db.read();
  return db;
}
