import { mkdir, readdir, rename, truncate } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Task } from '../task.js';
import { AppendLog } from './append-log.js';
import { removeStale, writeChangedSegments } from './checkpoint-files.js';
import { CommitSlots, readSlots, SLOTS_FILE, type Claims } from './commit-slots.js';
import { syncDirectory } from './durable-json-file.js';
import { scanLog } from './log-scan.js';
import { readManifest, writeManifest, MANIFEST_FILE, type Manifest } from './manifest.js';
import { checkStore, type CheckReport } from './store-check.js';
import { loadStore } from './store-loader.js';
import { FILES, JOURNAL_RE } from './store-types.js';

/** What `katar-sms store recover` did. */
export interface RecoverReport extends CheckReport {
  /** Where the damaged files were moved (relative to the data directory), if anywhere. */
  movedTo?: string;
  moved: string[];
  /** What the directory holds after the recovery. */
  kept: CheckReport['counts'];
}

/** Rewrites an append file with only the records at `keep` offsets, as rewrite `epoch`. */
async function rewriteFrom(src: string, dest: string, keep: Set<number>, epoch: number): Promise<{ records: number; bytes: number; epoch: number }> {
  const log = await AppendLog.open(dest);
  log.append({ epoch });
  await scanLog(src, (r) => {
    if (keep.has(r.offset)) log.append(r.value);
  });
  await log.close();
  return { ...log.durable, epoch };
}

/**
 * Moves the damaged files of `dir` into `damaged-<time>/`, keeps every record that can
 * still be read, and writes a fresh checkpoint, commit record and journal, so that the
 * gateway starts again. The caller holds the data-dir lock. Reports what was lost.
 */
export async function recoverStore(dir: string, now: Date = new Date()): Promise<RecoverReport> {
  const check = await checkStore(dir);
  if (check.ok) return { ...check, moved: [], kept: check.counts };
  const { state } = await loadStore(dir, { mode: 'salvage' });
  const aside = `damaged-${now.toISOString().replace(/[:.]/g, '-')}`;
  await mkdir(join(dir, aside, 'live'), { recursive: true });
  const damaged = [...new Set(check.problems.map((p) => p.file))].filter((f) => f !== '?');
  const moved: string[] = [];
  const moveAside = async (f: string): Promise<boolean> => {
    try {
      await mkdir(dirname(join(dir, aside, f)), { recursive: true });
      await rename(join(dir, f), join(dir, aside, f));
      moved.push(f);
      return true;
    } catch {
      return false;
    }
  };
  // History, inbox and the event log are rewritten with what can still be read: the event
  // log keeps its newest id, so no id is handed out twice after a recovery.
  for (const f of damaged) if (f !== FILES.history && f !== FILES.inbox && f !== FILES.events) await moveAside(f);

  const slots = await readSlots(join(dir, SLOTS_FILE)).catch(() => ({ newest: undefined }));
  const old: Manifest | undefined = await readManifest(dir).catch(() => undefined);
  const gen = Math.max(slots.newest?.gen ?? 0, old?.claims.gen ?? 0) + 1;
  const marks = { history: state.claims.history, inbox: state.claims.inbox, events: state.claims.events ?? { records: 0, bytes: 0, epoch: 0 } };
  for (const [which, file, keep] of [
    ['history', FILES.history, new Set([...state.history.values()].map((m) => m.pos.offset))],
    ['inbox', FILES.inbox, new Set(state.inbox.map((m) => m.pos.offset))],
    ['events', FILES.events, state.eventOffsets],
  ] as const) {
    if (damaged.includes(file) && (await moveAside(file))) marks[which] = await rewriteFrom(join(dir, aside, file), join(dir, file), keep, marks[which].epoch + 1);
    else await truncate(join(dir, file), marks[which].bytes).catch(() => undefined);
  }

  const journals = (await readdir(dir)).map((f) => JOURNAL_RE.exec(f)).filter((m): m is RegExpExecArray => m !== null).map((m) => Number(m[1]));
  const journal = Math.max(state.claims.journal.file, ...journals) + 1;
  const claims: Claims = { gen, journal: { file: journal, records: 0, bytes: 0 }, history: marks.history, inbox: marks.inbox, events: marks.events };
  const segmentTasks = old?.segmentTasks ?? 4096;
  const bySegment = new Map<number, Task[]>();
  for (const t of state.live.values()) {
    const id = Math.floor(t.seq / segmentTasks);
    bySegment.set(id, [...(bySegment.get(id) ?? []), t]);
  }
  const cp = (old?.checkpoint ?? 0) + 1;
  const segments = await writeChangedSegments(dir, cp, [], bySegment);
  const tmpSlots = join(dir, `.${SLOTS_FILE}.tmp`);
  const s = await CommitSlots.open(tmpSlots);
  await s.write(claims);
  await s.close();
  await rename(tmpSlots, join(dir, SLOTS_FILE));
  const m: Manifest = { version: 2, checkpoint: cp, journal, segmentTasks, claims, segments };
  if (damaged.includes(MANIFEST_FILE) && !moved.includes(MANIFEST_FILE)) await moveAside(MANIFEST_FILE);
  await writeManifest(dir, m);
  await (await AppendLog.open(join(dir, `journal-${String(journal).padStart(8, '0')}.jsonl`))).close();
  await removeStale(dir, m);
  await syncDirectory(dir);
  const after = await checkStore(dir);
  return { ...check, movedTo: aside, moved, kept: after.counts };
}
