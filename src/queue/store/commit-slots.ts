import { constants, open, type FileHandle } from 'node:fs/promises';
import { crc32Hex } from './crc32.js';
import type { LogMark } from './append-log.js';

/** What one commit made durable: the end of each append file after it. */
export interface Claims {
  /** Commit generation: 1, 2, 3... one per successful flush. */
  gen: number;
  /** The current journal (number) and where it ends; later journals are empty. */
  journal: LogMark & { file: number };
  /** History and inbox: where they end, and which rewrite (retention) of the file. */
  history: LogMark & { epoch: number };
  inbox: LogMark & { epoch: number };
  /** The event log; absent in commit records written before it existed (then empty). */
  events?: LogMark & { epoch: number };
  /**
   * Written after the data of these claims was fsynced (a follow-up record), not beside it:
   * the files must then meet it; no commit before it can be what a crash left.
   */
  confirmed?: boolean;
}

/** The file of commit records in a data directory. */
export const SLOTS_FILE = 'commit.slots';
const SLOT = 512;

/** The result of reading the commit file: the newest readable record and the other. */
export interface SlotsRead {
  exists: boolean;
  newest?: Claims;
  other?: Claims;
  /** Slots that exist but cannot be read (torn or damaged). */
  unreadable: number;
}

function isMark(v: unknown, extra: 'file' | 'epoch'): boolean {
  const m = v as Record<string, unknown> | null;
  return !!m && [m.records, m.bytes, m[extra]].every((x) => Number.isSafeInteger(x) && (x as number) >= 0);
}

function parseSlot(buf: Buffer): Claims | undefined {
  const m = /^([0-9a-f]{8}) (\{.*\}) *\n$/s.exec(buf.toString('latin1'));
  if (!m || crc32Hex(m[2]!) !== m[1]) return undefined;
  let c: Claims;
  try {
    c = JSON.parse(m[2]!) as Claims;
  } catch {
    return undefined;
  }
  if (!Number.isSafeInteger(c.gen) || !isMark(c.journal, 'file') || !isMark(c.history, 'epoch') || !isMark(c.inbox, 'epoch') || (c.events !== undefined && !isMark(c.events, 'epoch'))) return undefined;
  return c;
}

/** Reads both commit records of `path`. */
export async function readSlots(path: string): Promise<SlotsRead> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { exists: false, unreadable: 0 };
    throw err;
  }
  try {
    const buf = Buffer.alloc(2 * SLOT);
    const { bytesRead } = await handle.read(buf, 0, 2 * SLOT, 0);
    const present = [0, 1].filter((i) => bytesRead > i * SLOT);
    const slots = present.map((i) => parseSlot(buf.subarray(i * SLOT, Math.min(bytesRead, (i + 1) * SLOT))));
    const good = slots.filter((s): s is Claims => s !== undefined).sort((a, b) => b.gen - a.gen);
    return { exists: true, newest: good[0], other: good[1], unreadable: present.length - good.length };
  } finally {
    await handle.close();
  }
}

/**
 * Two fixed 512-byte records, written alternately in place (generation g goes to slot
 * g mod 2), each with its own checksum: a torn write damages at most the record being
 * written, and the other still tells what the commit before made durable.
 */
export class CommitSlots {
  readonly #handle: FileHandle;

  private constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  /** Opens (creating) the commit file. */
  static async open(path: string): Promise<CommitSlots> {
    return new CommitSlots(await open(path, constants.O_RDWR | constants.O_CREAT, 0o644));
  }

  /** Writes the record of `claims.gen` into its slot and fdatasyncs it. */
  async write(claims: Claims): Promise<void> {
    const json = JSON.stringify(claims);
    const text = `${crc32Hex(json)} ${json}`;
    if (text.length > SLOT - 1) throw new Error(`commit record too long (${text.length} bytes)`);
    const buf = Buffer.from(text.padEnd(SLOT - 1, ' ') + '\n', 'latin1');
    let written = 0;
    const at = (claims.gen % 2) * SLOT;
    while (written < SLOT) written += (await this.#handle.write(buf, written, SLOT - written, at + written)).bytesWritten;
    await this.#handle.datasync();
  }

  /** Closes the file. */
  async close(): Promise<void> {
    await this.#handle.close();
  }
}
