import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Task } from '../../../src/queue/task.js';

/** A task as the queue would store it. */
export function task(id: string, seq: number, status: Task['status'] = 'queued'): Task {
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString();
  return { _id: id, queue: 'sms', seq, data: { to: '+61404341143', msg: `m${seq}` }, status, priority: 0, parts: 1, createdAt: at, updatedAt: at, ...(status !== 'queued' && { finishedAt: at }), attempts: [] };
}

/** Overwrites `length` bytes of `file` at `offset` with zero bytes (a block the disk lost). */
export async function zeroBytes(path: string, offset = 0, length?: number): Promise<void> {
  const buf = await readFile(path);
  buf.fill(0, offset, length === undefined ? buf.length : offset + length);
  await writeFile(path, buf);
}

/** Byte offset of the line of `file` that contains `needle`. */
export async function offsetOf(path: string, needle: string): Promise<number> {
  const text = await readFile(path, 'latin1');
  const at = text.indexOf(needle);
  if (at === -1) throw new Error(`${needle} not in ${path}`);
  return text.lastIndexOf('\n', at) + 1;
}

/** The data directory's journal file of number `n`. */
export const journalPath = (dir: string, n = 1): string => join(dir, `journal-${String(n).padStart(8, '0')}.jsonl`);
