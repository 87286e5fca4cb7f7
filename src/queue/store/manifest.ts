import { join } from 'node:path';
import { Low } from 'lowdb';
import { KatarError } from '../../errors.js';
import type { Claims } from './commit-slots.js';
import { DurableJsonFile } from './durable-json-file.js';

/** One segment of the live checkpoint: a lowdb file of the live tasks of one seq range. */
export interface SegmentRef {
  /** floor(seq / segmentTasks) of its tasks. */
  id: number;
  /** Path relative to the data directory (`live/segment-<id>-<checkpoint>.json`). */
  file: string;
  tasks: number;
  bytes: number;
  crc: string;
}

/**
 * The data directory's table of contents, rewritten durably at each checkpoint: which
 * segment files hold the live tasks, from which journal on changes are replayed, and
 * where every append file ended at that moment.
 */
export interface Manifest {
  version: 2;
  /** Checkpoint number (names the segment files it wrote). */
  checkpoint: number;
  /** The first journal to replay. */
  journal: number;
  /** Live tasks per segment (seq range of one segment); fixed for the directory's life. */
  segmentTasks: number;
  /** The commit generation the checkpoint was taken at and the file ends then. */
  claims: Claims;
  segments: SegmentRef[];
}

/** The manifest's name in a data directory. */
export const MANIFEST_FILE = 'manifest.json';

function corrupt(dir: string, why: string): KatarError {
  return new KatarError('STORE_CORRUPT', `${join(dir, MANIFEST_FILE)}: ${why}; run \`katar-sms store check\` / \`katar-sms store recover\``, { file: MANIFEST_FILE, offset: 0 });
}

/** Reads the manifest of `dir`; undefined when there is none (new or v0.1 directory). */
export async function readManifest(dir: string): Promise<Manifest | undefined> {
  let m: Manifest | null;
  try {
    m = await new DurableJsonFile<Manifest>(join(dir, MANIFEST_FILE)).read();
  } catch (err) {
    throw corrupt(dir, `not valid JSON (${(err as Error).message})`);
  }
  if (m === null) return undefined;
  const ok =
    typeof m === 'object' &&
    m.version === 2 &&
    Number.isSafeInteger(m.checkpoint) &&
    Number.isSafeInteger(m.journal) &&
    Number.isSafeInteger(m.segmentTasks) &&
    m.segmentTasks > 0 &&
    typeof m.claims === 'object' &&
    m.claims !== null &&
    Number.isSafeInteger(m.claims.gen) &&
    Array.isArray(m.segments) &&
    m.segments.every((s) => s && Number.isSafeInteger(s.id) && typeof s.file === 'string' && /^live\/segment-\d+-\d+\.json$/.test(s.file) && Number.isSafeInteger(s.tasks) && Number.isSafeInteger(s.bytes) && typeof s.crc === 'string');
  if (!ok) throw corrupt(dir, 'not a katar-sms v2 manifest (fields missing or of the wrong type)');
  return m;
}

/** Writes the manifest durably through lowdb (temp file, fsync, rename, directory fsync). */
export async function writeManifest(dir: string, m: Manifest): Promise<void> {
  const db = new Low<Manifest>(new DurableJsonFile<Manifest>(join(dir, MANIFEST_FILE)), m);
  db.data = m;
  await db.write();
}
