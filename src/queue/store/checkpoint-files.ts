import { mkdir, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Task } from '../task.js';
import { syncDirectory } from './durable-json-file.js';
import { SEGMENT_DIR, writeSegment } from './live-segments.js';
import type { Manifest, SegmentRef } from './manifest.js';
import { FILES, JOURNAL_RE } from './store-types.js';

/**
 * Writes the segments that changed (new files named after checkpoint `cp`), fsyncs the
 * segment directory, and returns the segment list of the new manifest: unchanged
 * segments keep their file, emptied ones leave the list.
 */
export async function writeChangedSegments(dir: string, cp: number, before: SegmentRef[], changed: Map<number, Task[]>): Promise<SegmentRef[]> {
  await mkdir(join(dir, SEGMENT_DIR), { recursive: true });
  const byId = new Map(before.map((s) => [s.id, s]));
  for (const [id, tasks] of changed) {
    if (tasks.length === 0) byId.delete(id);
    else byId.set(id, await writeSegment(dir, id, cp, tasks.sort((a, b) => a.seq - b.seq)));
  }
  await syncDirectory(join(dir, SEGMENT_DIR));
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

/**
 * Deletes what the manifest no longer needs: journals before its first, segment files it
 * does not name, the v0.1 checkpoint and leftover temporary files. Safe to run at any
 * time after the manifest is durable; a crash in the middle leaves only more leftovers.
 */
export async function removeStale(dir: string, m: Manifest): Promise<void> {
  const keep = new Set(m.segments.map((s) => s.file));
  const gone: string[] = [];
  for (const f of await readdir(dir)) {
    const j = JOURNAL_RE.exec(f);
    if ((j && Number(j[1]) < m.journal) || f === FILES.legacyCheckpoint || /^\..*\.(tmp|compact)$/.test(f) || f === FILES.probe) gone.push(f);
  }
  for (const f of await readdir(join(dir, SEGMENT_DIR)).catch(() => [] as string[])) {
    if (!keep.has(`${SEGMENT_DIR}/${f}`)) gone.push(`${SEGMENT_DIR}/${f}`);
  }
  for (const f of gone) await unlink(join(dir, f)).catch(() => undefined);
  if (gone.length) await syncDirectory(dir);
}
