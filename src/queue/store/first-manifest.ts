import { join } from 'node:path';
import type { Task } from '../task.js';
import { writeChangedSegments } from './checkpoint-files.js';
import type { Claims } from './commit-slots.js';
import { DurableJsonFile } from './durable-json-file.js';
import type { SegmentMap } from './live-segments.js';
import { writeManifest, type Manifest } from './manifest.js';
import type { LoadedState } from './store-loader.js';
import { FILES, type LegacyCheckpoint } from './store-types.js';

/**
 * Writes the first manifest of a new or v0.1 directory: all live tasks into segments
 * and a new journal; the v0.1 live.json and journals go once the manifest is durable.
 */
export async function writeFirstManifest(dir: string, state: LoadedState, segments: SegmentMap): Promise<Manifest> {
  if (state.live.size > 0) {
    // Until the manifest exists, a crash must find a v0.1 checkpoint beside the new segments.
    const cp: LegacyCheckpoint = { version: 1, journal: state.journalStart, tasks: [...state.live.values()] };
    await new DurableJsonFile<LegacyCheckpoint>(join(dir, FILES.legacyCheckpoint)).write(cp);
  }
  const byId = new Map<number, Task[]>();
  for (const t of state.live.values()) {
    const id = segments.of(t.seq);
    byId.set(id, [...(byId.get(id) ?? []), t]);
  }
  const journal = state.claims.journal.bytes > 0 || state.journalStart < state.claims.journal.file ? state.claims.journal.file + 1 : state.claims.journal.file;
  const claims: Claims = { ...state.claims, gen: 0, journal: { file: journal, records: 0, bytes: 0 } };
  const written = await writeChangedSegments(dir, 1, [], byId);
  const m: Manifest = { version: 2, checkpoint: 1, journal, segmentTasks: segments.size, claims, segments: written };
  await writeManifest(dir, m);
  return m;
}
