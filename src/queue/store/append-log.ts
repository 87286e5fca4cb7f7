import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/** Where a record sits in an append log. */
export interface LogPosition {
  offset: number;
  length: number;
}

const NEWLINE = 0x0a;
const READ_CHUNK = 1 << 20;

/**
 * An append-only file of JSON lines. Appends are buffered in memory and made durable by
 * `flush()` (one write and one fdatasync for everything buffered: the group commit).
 * A crash can only tear the last line, which was never acknowledged; `open` cuts it off.
 */
export class AppendLog {
  readonly path: string;
  #handle: FileHandle;
  /** Where the next appended record starts (flushed or not). */
  #end: number;
  /** Bytes that are in the file (written; fsynced once the flush resolves). */
  #written: number;
  #buffered: Array<{ offset: number; line: Buffer }> = [];
  #bufferedBytes = 0;
  /** Lines handed to the current write, readable from memory until it is done. */
  #writing: Array<{ offset: number; line: Buffer }> = [];

  private constructor(path: string, handle: FileHandle, size: number) {
    this.path = path;
    this.#handle = handle;
    this.#end = size;
    this.#written = size;
  }

  /**
   * Opens (creating) the log and streams its records to `onRecord` with their
   * positions. A torn or unparseable last line is cut off; an unparseable line in the
   * middle is reported through `onCorrupt` and skipped.
   */
  static async open(
    path: string,
    onRecord: (value: unknown, pos: LogPosition) => void,
    onCorrupt: (pos: LogPosition, reason: string) => void = () => undefined,
  ): Promise<AppendLog> {
    const handle = await open(path, 'a+');
    const { size } = await stat(path);
    let offset = 0;
    let carry = Buffer.alloc(0);
    let goodEnd = 0;
    const chunk = Buffer.alloc(READ_CHUNK);
    while (offset < size) {
      const { bytesRead } = await handle.read(chunk, 0, READ_CHUNK, offset);
      if (bytesRead === 0) break;
      const data = carry.length ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
      const base = offset - carry.length;
      let start = 0;
      for (let i = data.indexOf(NEWLINE); i !== -1; i = data.indexOf(NEWLINE, start)) {
        const pos = { offset: base + start, length: i - start };
        const text = data.toString('utf8', start, i);
        start = i + 1;
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          onCorrupt(pos, 'unparseable line');
          goodEnd = base + start;
          continue;
        }
        onRecord(value, pos);
        goodEnd = base + start;
      }
      carry = Buffer.from(data.subarray(start));
      offset += bytesRead;
    }
    if (goodEnd < size) {
      // The tail after the last newline was being written when the process died.
      await handle.truncate(goodEnd);
      await handle.sync();
    }
    return new AppendLog(path, handle, goodEnd);
  }

  /** Bytes in the file once everything buffered is flushed. */
  get size(): number {
    return this.#end;
  }

  /** True when appends wait for a flush. */
  get dirty(): boolean {
    return this.#bufferedBytes > 0;
  }

  /** Buffers one record; returns where it will be in the file. */
  append(value: unknown): LogPosition {
    const line = Buffer.from(JSON.stringify(value) + '\n', 'utf8');
    const pos = { offset: this.#end, length: line.length - 1 };
    this.#end += line.length;
    this.#buffered.push({ offset: pos.offset, line });
    this.#bufferedBytes += line.length;
    return pos;
  }

  /** Writes everything buffered and fdatasyncs it. */
  async flush(): Promise<void> {
    if (this.#bufferedBytes === 0) return;
    const lines = this.#buffered;
    const data = lines.length === 1 ? lines[0]!.line : Buffer.concat(lines.map((l) => l.line));
    this.#writing = lines;
    this.#buffered = [];
    this.#bufferedBytes = 0;
    let written = 0;
    while (written < data.length) {
      const { bytesWritten } = await this.#handle.write(data, written, data.length - written);
      written += bytesWritten;
    }
    this.#written += data.length;
    this.#writing = [];
    await this.#handle.datasync();
  }

  /** Reads one record back; records still waiting for their write come from memory. */
  async read(pos: LogPosition): Promise<unknown> {
    if (pos.offset >= this.#written) {
      const hit = this.#writing.find((l) => l.offset === pos.offset) ?? this.#buffered.find((l) => l.offset === pos.offset);
      if (hit) return JSON.parse(hit.line.toString('utf8', 0, pos.length));
    }
    const buf = Buffer.alloc(pos.length);
    await this.#handle.read(buf, 0, pos.length, pos.offset);
    return JSON.parse(buf.toString('utf8'));
  }

  /** Closes the file (after a flush). */
  async close(): Promise<void> {
    await this.flush();
    await this.#handle.close();
  }
}
