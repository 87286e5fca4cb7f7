import { constants, open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { KatarError } from '../../errors.js';
import { decodeLine, encodeRecord } from './record-codec.js';

/** Where a record sits in an append log. */
export interface LogPosition {
  offset: number;
  /** Line length without the newline. */
  length: number;
}

/** How far an append file is (or will be) durable: its last record number and length. */
export interface LogMark {
  records: number;
  bytes: number;
}

interface Pending {
  offset: number;
  line: Buffer;
}

/**
 * An append-only file of numbered, checksummed records (see record-codec.ts). Appends
 * are buffered in memory and made durable by `flush()`: one positional write and one
 * fdatasync for everything buffered (the group commit). Writes are positional, not
 * O_APPEND, so that after a failed flush `rollback()` puts the write position back at
 * the last durable byte and nothing of the failed write is ever kept.
 */
export class AppendLog {
  readonly path: string;
  readonly #handle: FileHandle;
  #durable: LogMark;
  /** Where the next record starts and which number it gets (flushed or not). */
  #end: number;
  #records: number;
  #buffered: Pending[] = [];
  /** Lines handed to the current write, readable from memory until it is done. */
  #writing: Pending[] = [];

  private constructor(path: string, handle: FileHandle, at: LogMark) {
    this.path = path;
    this.#handle = handle;
    this.#durable = { ...at };
    this.#end = at.bytes;
    this.#records = at.records;
  }

  /**
   * Opens (creating) the log whose durable content ends at `at`; anything after it in
   * the file (a write that was never acknowledged) is cut off.
   */
  static async open(path: string, at: LogMark = { records: 0, bytes: 0 }): Promise<AppendLog> {
    const handle = await open(path, constants.O_RDWR | constants.O_CREAT, 0o644);
    try {
      if ((await handle.stat()).size !== at.bytes) {
        await handle.truncate(at.bytes);
        await handle.datasync();
      }
    } catch (err) {
      await handle.close();
      throw err;
    }
    return new AppendLog(path, handle, at);
  }

  /** Bytes in the file once everything buffered is flushed. */
  get size(): number {
    return this.#end;
  }

  /** What a flush started now makes durable. */
  get mark(): LogMark {
    return { records: this.#records, bytes: this.#end };
  }

  /** What is known to be on disk. */
  get durable(): LogMark {
    return { ...this.#durable };
  }

  /** True when appends wait for a flush. */
  get dirty(): boolean {
    return this.#buffered.length > 0;
  }

  /** Buffers one record; returns where it will be in the file. */
  append(value: unknown): LogPosition {
    const line = encodeRecord(this.#records + 1, value);
    this.#records++;
    const pos = { offset: this.#end, length: line.length - 1 };
    this.#end += line.length;
    this.#buffered.push({ offset: pos.offset, line });
    return pos;
  }

  /** Writes everything buffered at its place and fdatasyncs it. */
  async flush(): Promise<void> {
    if (this.#buffered.length === 0) return;
    const lines = this.#buffered;
    const target: LogMark = { records: this.#records, bytes: this.#end };
    const at = lines[0]!.offset;
    const total = target.bytes - at;
    this.#writing = lines;
    this.#buffered = [];
    // The lines go out as they are (one writev), not copied into one buffer first: a
    // batch of 1,000 tasks would otherwise allocate a third of a megabyte per commit.
    const written = (await this.#handle.writev(lines.map((l) => l.line), at)).bytesWritten;
    if (written < total) {
      // A short write (libuv already retries them; kept for safety): the rest from a copy.
      const rest = Buffer.concat(lines.map((l) => l.line)).subarray(written);
      for (let n = 0; n < rest.length; ) n += (await this.#handle.write(rest, n, rest.length - n, at + written + n)).bytesWritten;
    }
    await this.#handle.datasync();
    this.#writing = [];
    this.#durable = target;
  }

  /**
   * Forgets every record that is not durable (a failed flush, and all appended since):
   * the next record goes where the last durable one ended, with the next durable number.
   */
  rollback(): void {
    this.#buffered = [];
    this.#writing = [];
    this.#end = this.#durable.bytes;
    this.#records = this.#durable.records;
  }

  /**
   * Forgets everything after `mark`, durable or not: after a group commit failed, a file
   * whose own write succeeded holds records no commit record claims (never acknowledged);
   * they are overwritten by the next write and cut by `truncateToDurable`.
   */
  rollbackTo(mark: LogMark): void {
    this.#buffered = [];
    this.#writing = [];
    this.#durable = { ...mark };
    this.#end = mark.bytes;
    this.#records = mark.records;
  }

  /** Values of the records appended but not yet handed to a write (to carry over to a rewritten file). */
  pendingValues(): unknown[] {
    return this.#buffered.map((l) => {
      const d = decodeLine(l.line.subarray(0, l.line.length - 1));
      return d.kind === 'bad' ? undefined : d.value;
    });
  }

  /** Cuts the file back to its durable length (tidiness after a rollback; best effort). */
  async truncateToDurable(): Promise<void> {
    await this.#handle.truncate(this.#durable.bytes);
  }

  /** Reads one record back, checking its checksum; records not yet written come from memory. */
  async read(pos: LogPosition): Promise<unknown> {
    let line: Buffer | undefined;
    if (pos.offset >= this.#durable.bytes) {
      line = (this.#writing.find((l) => l.offset === pos.offset) ?? this.#buffered.find((l) => l.offset === pos.offset))?.line.subarray(0, pos.length);
    }
    if (!line) {
      line = Buffer.alloc(pos.length);
      await this.#handle.read(line, 0, pos.length, pos.offset);
    }
    const d = decodeLine(line);
    if (d.kind === 'bad') {
      throw new KatarError('STORE_CORRUPT', `${basename(this.path)}: the record at byte ${pos.offset} cannot be read (${d.reason}); run \`katar-sms store check\``, { file: basename(this.path), offset: pos.offset });
    }
    return d.value;
  }

  /** Closes the file; with `flush` (the default) after writing what is buffered. */
  async close(flush = true): Promise<void> {
    try {
      if (flush) await this.flush();
    } finally {
      await this.#handle.close();
    }
  }
}
