import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Low, type Adapter } from 'lowdb';
import type { Task } from '../task.js';
import { crc32, crc32Hex, hex32 } from './crc32.js';
import type { SegmentRef } from './manifest.js';

/** The lowdb document of one segment. */
export interface SegmentDoc {
  version: 2;
  id: number;
  tasks: Task[];
}

/** The subdirectory of the data directory that holds the segments. */
export const SEGMENT_DIR = 'live';

/** Path (relative to the data directory) of segment `id` as written by checkpoint `cp`. */
export const segmentPath = (id: number, cp: number): string => `${SEGMENT_DIR}/segment-${id}-${cp}.json`;

/** Characters of JSON written per piece of a segment (about 200 queued tasks). */
const PIECE_CHARS = 64 * 1024;

/**
 * A lowdb adapter for a segment: each checkpoint writes a segment under a new name (its
 * checkpoint number is in it), so the write needs no rename; it is fsynced, and the
 * manifest that names it, written after, is the commit point. It remembers the size and
 * checksum of what it wrote for the manifest.
 *
 * The document is written in pieces of about 64 KiB, each serialised, checksummed and
 * written before the next: the bytes are exactly `JSON.stringify(doc)`, but a segment of
 * 4,096 tasks never becomes one 1.3 MB string and buffer, and the event loop serves
 * requests between the pieces instead of stalling for the whole segment.
 */
class SegmentFile implements Adapter<SegmentDoc> {
  readonly #path: string;
  written: { bytes: number; crc: string } | undefined;

  constructor(path: string) {
    this.#path = path;
  }

  async read(): Promise<SegmentDoc | null> {
    return JSON.parse(await readFile(this.#path, 'utf8')) as SegmentDoc;
  }

  async write(doc: SegmentDoc): Promise<void> {
    const handle = await open(this.#path, 'w');
    let bytes = 0;
    let crc = 0;
    const put = async (text: string): Promise<void> => {
      const buf = Buffer.from(text, 'utf8');
      crc = crc32(buf, crc);
      for (let n = 0; n < buf.length; ) n += (await handle.write(buf, n, buf.length - n, bytes + n)).bytesWritten;
      bytes += buf.length;
    };
    try {
      const [head, tail] = frame(doc);
      let piece = head;
      for (let i = 0; i < doc.tasks.length; i++) {
        piece += (i === 0 ? '' : ',') + JSON.stringify(doc.tasks[i]);
        if (piece.length >= PIECE_CHARS) {
          await put(piece);
          piece = '';
        }
      }
      await put(piece + tail);
      await handle.sync();
    } finally {
      await handle.close();
    }
    this.written = { bytes, crc: hex32(crc) };
  }
}

/**
 * What comes before and after the tasks in `JSON.stringify(doc)`: the document with an
 * empty task list, cut at its `[]`. `tasks` is the document's last key (it is built
 * that way below), so the pieces put together are byte for byte the whole document.
 */
function frame(doc: SegmentDoc): [string, string] {
  const empty = JSON.stringify({ ...doc, tasks: [] });
  const at = empty.lastIndexOf('[]');
  if (Object.keys(doc).at(-1) !== 'tasks' || at < 0) throw new Error('a segment document must end with its tasks');
  return [empty.slice(0, at + 1), empty.slice(at + 1)];
}

/** Writes segment `id` of checkpoint `cp` (fsynced; the caller fsyncs the directory). */
export async function writeSegment(dir: string, id: number, cp: number, tasks: Task[]): Promise<SegmentRef> {
  const file = segmentPath(id, cp);
  const adapter = new SegmentFile(join(dir, file));
  const db = new Low<SegmentDoc>(adapter, { version: 2, id, tasks: [] });
  db.data = { version: 2, id, tasks };
  await db.write();
  return { id, file, tasks: tasks.length, ...adapter.written! };
}

/**
 * Reads a segment the manifest names and checks it against the manifest (size,
 * checksum, task count). Returns the tasks, or what is wrong with the file.
 */
export async function readSegment(dir: string, ref: SegmentRef): Promise<{ tasks: Task[] } | { problem: string; offset: number }> {
  let buf: Buffer;
  try {
    buf = await readFile(join(dir, ref.file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { problem: `missing (the manifest names it with ${ref.tasks} live tasks)`, offset: 0 };
    throw err;
  }
  if (buf.length !== ref.bytes) return { problem: `${buf.length} bytes where the manifest says ${ref.bytes}`, offset: Math.min(buf.length, ref.bytes) };
  const zero = buf.indexOf(0);
  if (zero !== -1) return { problem: 'zero bytes (a NUL-filled region)', offset: zero };
  if (crc32Hex(buf) !== ref.crc) return { problem: 'checksum mismatch (the file changed after it was written)', offset: 0 };
  const doc = new Low<SegmentDoc>({ read: async () => JSON.parse(buf.toString('utf8')) as SegmentDoc, write: async () => undefined }, { version: 2, id: ref.id, tasks: [] });
  try {
    await doc.read();
  } catch {
    return { problem: 'not valid JSON', offset: 0 };
  }
  if (doc.data.id !== ref.id || !Array.isArray(doc.data.tasks) || doc.data.tasks.length !== ref.tasks) return { problem: 'not the segment the manifest names', offset: 0 };
  return { tasks: doc.data.tasks };
}

/**
 * Which live task is in which segment, and which segments changed since the last
 * checkpoint, so that a checkpoint rewrites only those: its cost follows the changes,
 * not the size of the queue. Live tasks are partitioned by seq, which never changes.
 */
export class SegmentMap {
  readonly size: number;
  readonly #members = new Map<number, Set<string>>();
  #dirty = new Set<number>();

  constructor(segmentTasks: number) {
    this.size = segmentTasks;
  }

  /** The segment of a task with this seq. */
  of(seq: number): number {
    return Math.floor(seq / this.size);
  }

  /** A task is (still) live: its segment changed. */
  put(t: Task): void {
    const id = this.of(t.seq);
    let m = this.#members.get(id);
    if (!m) this.#members.set(id, (m = new Set()));
    m.add(t._id);
    this.#dirty.add(id);
  }

  /** A task left the live set: its segment changed. */
  remove(t: { _id: string; seq: number }): void {
    const id = this.of(t.seq);
    // A finished task may finish again (a late status report): only a member changes its segment.
    if (this.#members.get(id)?.delete(t._id)) this.#dirty.add(id);
  }

  /** Ids of segment `id`'s tasks. */
  members(id: number): Iterable<string> {
    return this.#members.get(id) ?? [];
  }

  /** Takes the set of changed segments (a failed checkpoint gives it back with `redirty`). */
  takeDirty(): Set<number> {
    const d = this.#dirty;
    this.#dirty = new Set();
    return d;
  }

  /** Marks segments changed again (their checkpoint did not complete). */
  redirty(ids: Iterable<number>): void {
    for (const id of ids) this.#dirty.add(id);
  }

  /** Rebuilds the membership from the live tasks (after a load); nothing is dirty. */
  reset(live: Iterable<Task>, dirty: Iterable<number> = []): void {
    this.#members.clear();
    this.#dirty = new Set(dirty);
    for (const t of live) {
      const id = this.of(t.seq);
      let m = this.#members.get(id);
      if (!m) this.#members.set(id, (m = new Set()));
      m.add(t._id);
    }
  }
}
