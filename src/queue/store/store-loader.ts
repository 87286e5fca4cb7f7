import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { KatarError } from '../../errors.js';
import type { InboxEntry, Task } from '../task.js';
import type { LogMark } from './append-log.js';
import { readSlots, SLOTS_FILE, type Claims } from './commit-slots.js';
import { HistoryIndex, historyMeta } from './history-index.js';
import { scanLog, type ScannedRecord } from './log-scan.js';
import { readSegment, SEGMENT_DIR } from './live-segments.js';
import { readManifest, type Manifest } from './manifest.js';
import { EventIndex } from './event-index.js';
import type { GatewayEvent } from '../gateway-event.js';
import { eventProblem, inboxProblem, isEpochHeader, journalProblem, taskProblem, type JournalRecord } from './record-shapes.js';
import { FILES, inboxKey, JOURNAL_RE, journalName, type InboxMeta, type LegacyCheckpoint, type LoadFix, type StoreProblem } from './store-types.js';

/** Everything a load builds, and where each file's durable content ends. */
export interface LoadedState {
  live: Map<string, Task>;
  history: HistoryIndex;
  inbox: InboxMeta[];
  inboxByKey: Map<string, string>;
  maxSeq: number;
  /** The event log's index (docs/EVENTS.md). */
  events: EventIndex;
  /** Salvage mode only: where each readable event is (store recover rewrites the file from them). */
  eventOffsets: Set<number>;
  /** The manifest in effect; undefined for a new or v0.1 directory (to be upgraded). */
  manifest: Manifest | undefined;
  /** First journal to replay (manifest's, or v0.1 live.json's). */
  journalStart: number;
  /** The commit the state is as of (gen 0 when nothing was committed with commit records). */
  claims: Claims;
  /** Ids whose finish the journals record (a lost history record of one of them is named). */
  finished: Set<string>;
  /** Seqs of live tasks that changed after the checkpoint (their segments must be rewritten). */
  changedSeqs: Set<number>;
  fixes: LoadFix[];
}

/** Options of a load. */
export interface LoadOptions {
  /** strict: the first damage throws STORE_CORRUPT; salvage: keep what can be read, list the damage. */
  mode: 'strict' | 'salvage';
  /** Reload in-process: the state as of these durable claims and this manifest, nothing else read from disk. */
  known?: { claims: Claims; manifest: Manifest | undefined; journalStart: number };
}

/** A claim of a commit record that the files do not meet: an older commit record may still hold. */
export class ClaimNotMet extends KatarError {}

const HINT = 'run `katar-sms store check` to list the damage and `katar-sms store recover` to move damaged files aside and keep what can be read';

/** The STORE_CORRUPT error of one problem. */
export function corruptError(dir: string, p: StoreProblem, shortfall = false): KatarError {
  const C = shortfall ? ClaimNotMet : KatarError;
  return new C('STORE_CORRUPT', `${join(dir, p.file)}: ${p.reason} (at byte ${p.offset}); ${HINT}`, { file: p.file, offset: p.offset, dir });
}

type AppendClaim = (LogMark & { epoch?: number }) | undefined;

/** The rewrite number of a history or inbox file (its header record), 0 for none. */
async function readEpoch(path: string): Promise<number> {
  let epoch = 0;
  await scanLog(path, (r) => {
    if (r.n === 1 && isEpochHeader(r.value)) epoch = r.value.epoch;
  }, 128);
  return epoch;
}

/** Reads and checks a whole data directory. One instance per attempt. */
class Loader {
  readonly problems: StoreProblem[] = [];
  readonly s: LoadedState;

  constructor(readonly dir: string, readonly mode: LoadOptions['mode'], claims: Claims, manifest: Manifest | undefined, journalStart: number) {
    this.s = { live: new Map(), history: new HistoryIndex(), inbox: [], inboxByKey: new Map(), maxSeq: 0, events: new EventIndex(), eventOffsets: new Set(), manifest, journalStart, claims, finished: new Set(), changedSeqs: new Set(), fixes: [] };
  }

  problem(p: StoreProblem, shortfall = false): void {
    if (this.mode === 'strict') throw corruptError(this.dir, p, shortfall);
    this.problems.push(p);
  }

  seq(n: number): void {
    if (n > this.s.maxSeq) this.s.maxSeq = n;
  }

  async segments(m: Manifest): Promise<void> {
    for (const ref of m.segments) {
      const r = await readSegment(this.dir, ref);
      if ('problem' in r) {
        this.problem({ file: ref.file, offset: r.offset, reason: r.problem, lostRecords: ref.tasks });
        continue;
      }
      r.tasks.forEach((t, i) => {
        const why = taskProblem(t);
        if (why) return this.problem({ file: ref.file, offset: 0, reason: `task ${i + 1} of the segment: ${why}`, lostRecords: 1 });
        this.s.live.set(t._id, t);
        this.seq(t.seq);
      });
    }
  }

  async legacyCheckpoint(cp: LegacyCheckpoint): Promise<void> {
    cp.tasks.forEach((t, i) => {
      const why = taskProblem(t);
      if (why) return this.problem({ file: FILES.legacyCheckpoint, offset: 0, reason: `task ${i + 1}: ${why}`, lostRecords: 1 });
      this.s.live.set(t._id, t);
      this.seq(t.seq);
    });
  }

  /**
   * Reads one append file against what the commit record claims of it: the records up
   * to the claimed end are applied, what follows (never acknowledged) is cut. Without a
   * claim (v0.1) every valid record is kept and only a torn tail is cut.
   */
  async append(file: string, claim: AppendClaim, apply: (value: unknown, r: ScannedRecord) => string | undefined, opts: { mustEnd?: (v: unknown) => boolean } = {}): Promise<LogMark & { epoch: number }> {
    const epoch = await readEpoch(join(this.dir, file));
    const claimed = claim?.epoch ?? 0;
    // A file rewritten by retention just before its commit record was written is taken whole.
    const whole = !claim || (claim.epoch !== undefined && epoch === claimed + 1);
    if (claim && !whole && epoch !== claimed) this.problem({ file, offset: 0, reason: `the file is rewrite ${epoch} where the commit record says rewrite ${claimed}` });
    const limit = whole ? Infinity : claim!.bytes;
    let boundary = 0;
    let last: unknown;
    let readableAfterDamage = 0;
    const res = await scanLog(join(this.dir, file), (r) => {
      if (!r.afterProblem && r.end === limit) boundary = r.n;
      if (r.afterProblem && r.end <= limit) readableAfterDamage++;
      if (r.end > limit || (r.afterProblem && this.mode === 'strict')) return;
      if (r.n === 1 && isEpochHeader(r.value)) return;
      last = r.value;
      const why = apply(r.value, r);
      if (why) this.problem({ file, offset: r.offset, reason: `record ${r.n}: ${why}`, lostRecords: 1 });
    });
    const cut = (bytes: number): void => {
      if (res.size > bytes) this.s.fixes.push({ kind: 'truncate', file, bytes });
    };
    const first = res.problems[0];
    if (whole || !claim) {
      if (first && res.recordsAfterProblem > 0) this.problem({ file, offset: first.offset, reason: `${first.reason}, with readable records after it`, ...(first.missing && { lostRecords: first.missing[1] - first.missing[0] + 1 }) });
      if (opts.mustEnd && !opts.mustEnd(last)) this.problem({ file, offset: res.validEnd, reason: 'the journal does not end with its closing record: its last records are missing' });
      cut(res.validEnd);
      return { records: res.validRecords, bytes: res.validEnd, epoch };
    }
    if (claim.bytes > 0 && (!res.exists || res.validEnd < claim.bytes || boundary !== claim.records)) {
      const at = res.exists ? Math.min(first?.offset ?? res.validEnd, res.validEnd) : 0;
      const what = !res.exists ? 'the file is missing' : first && first.offset < claim.bytes ? first.reason : `the file ends at byte ${res.size}`;
      // Readable records after the damage mean outside damage, never a torn write of the last commit.
      this.problem({ file, offset: at, reason: `${what}; the commit record says it holds ${claim.records} records up to byte ${claim.bytes}, ${res.validRecords} are readable in order`, lostRecords: Math.max(0, claim.records - res.validRecords - readableAfterDamage) }, readableAfterDamage === 0);
    } else if (opts.mustEnd && !opts.mustEnd(last)) {
      this.problem({ file, offset: res.validEnd, reason: 'the journal does not end with its closing record: its last records are missing' }, true);
    }
    cut(claim.bytes);
    return { records: claim.records, bytes: claim.bytes, epoch };
  }

  replay(value: unknown): string | undefined {
    const why = journalProblem(value);
    if (why) return why;
    const r = value as JournalRecord;
    if ('put' in r) {
      this.s.live.set(r.put._id, r.put);
      this.s.changedSeqs.add(r.put.seq);
      this.seq(r.put.seq);
    } else if ('fin' in r) {
      const was = this.s.live.get(r.fin);
      if (was) this.s.changedSeqs.add(was.seq);
      this.s.live.delete(r.fin);
      this.s.finished.add(r.fin);
    }
    return undefined;
  }

  indexHistory(value: unknown, r: ScannedRecord): string | undefined {
    const why = taskProblem(value);
    if (why) return why;
    const t = value as Task;
    this.s.history.set(historyMeta(t, { offset: r.offset, length: r.length }));
    this.seq(t.seq);
    return undefined;
  }

  indexEvent(value: unknown, r: ScannedRecord): string | undefined {
    const why = eventProblem(value);
    if (why) return why;
    const ev = value as GatewayEvent;
    if (ev.id <= this.s.events.newest) return `event ${ev.id} after event ${this.s.events.newest}: ids must increase`;
    this.s.events.add(ev, { offset: r.offset, length: r.length });
    if (this.mode === 'salvage') this.s.eventOffsets.add(r.offset);
    return undefined;
  }

  indexInbox(value: unknown, r: ScannedRecord): string | undefined {
    const why = inboxProblem(value);
    if (why) return why;
    const e = value as InboxEntry;
    const meta: InboxMeta = { _id: e._id, queue: e.queue, seq: e.seq, receivedAt: e.receivedAt, pos: { offset: r.offset, length: r.length } };
    if (e.dedupKey !== undefined) {
      meta.dedupKey = e.dedupKey;
      this.s.inboxByKey.set(inboxKey(e.queue, e.dedupKey), e._id);
    }
    this.s.inbox.push(meta);
    this.seq(e.seq);
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function listJournals(dir: string): Promise<number[]> {
  return (await readdir(dir))
    .map((f) => JOURNAL_RE.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

async function readLegacyCheckpoint(dir: string, mode: LoadOptions['mode'], problems: StoreProblem[]): Promise<LegacyCheckpoint | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, FILES.legacyCheckpoint), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let cp: LegacyCheckpoint | undefined;
  try {
    cp = JSON.parse(text) as LegacyCheckpoint;
  } catch {
    cp = undefined;
  }
  if (!cp || cp.version !== 1 || !Number.isSafeInteger(cp.journal) || !Array.isArray(cp.tasks)) {
    const p = { file: FILES.legacyCheckpoint, offset: 0, reason: 'not a v0.1 checkpoint (not JSON, or fields missing)' };
    if (mode === 'strict') throw corruptError(dir, p);
    problems.push(p);
    return undefined;
  }
  return cp;
}

const ZERO_CLAIMS = (journal: number): Claims => ({ gen: 0, journal: { file: journal, records: 0, bytes: 0 }, history: { records: 0, bytes: 0, epoch: 0 }, inbox: { records: 0, bytes: 0, epoch: 0 } });

/** One pass over the directory with `claims` (undefined: v0.1, no commit records). */
async function loadWith(dir: string, mode: LoadOptions['mode'], manifest: Manifest | undefined, legacy: LegacyCheckpoint | undefined, claims: Claims | undefined, journalStart: number, pre: StoreProblem[]): Promise<{ state: LoadedState; problems: StoreProblem[] }> {
  const L = new Loader(dir, mode, claims ?? ZERO_CLAIMS(journalStart), manifest, journalStart);
  L.problems.push(...pre);
  if (manifest) await L.segments(manifest);
  else if (legacy) await L.legacyCheckpoint(legacy);

  const found = await listJournals(dir);
  for (const n of found) if (n < journalStart) L.s.fixes.push({ kind: 'delete', file: journalName(n) });
  const current = claims ? claims.journal.file : Math.max(journalStart, ...found);
  for (let n = journalStart; n <= current; n++) {
    const file = journalName(n);
    const closed = n < current;
    if (closed && !found.includes(n)) {
      L.problem({ file, offset: 0, reason: `the journal is missing (journals ${journalStart}-${current} are needed)` });
      continue;
    }
    const isEnd = (v: unknown): boolean => typeof v === 'object' && v !== null && (v as { end?: unknown }).end === n + 1;
    const mark = await L.append(file, closed || !claims ? undefined : claims.journal, (v) => L.replay(v), closed && claims ? { mustEnd: isEnd } : {});
    if (!claims && n === current) L.s.claims.journal = { file: n, records: mark.records, bytes: mark.bytes };
  }
  // Journals after the claimed one were started by a commit that never completed.
  for (const n of found) if (n > current) L.s.fixes.push({ kind: 'delete', file: journalName(n) });

  const h = await L.append(FILES.history, claims?.history, (v, r) => L.indexHistory(v, r));
  const i = await L.append(FILES.inbox, claims?.inbox, (v, r) => L.indexInbox(v, r));
  const e = await L.append(FILES.events, claims?.events, (v, r) => L.indexEvent(v, r));
  L.s.claims = { ...L.s.claims, history: h, inbox: i, events: e };
  // A finished task in history overrides any live state of the same id.
  for (const id of L.s.history.keys()) {
    const was = L.s.live.get(id);
    if (!was) continue;
    L.s.changedSeqs.add(was.seq);
    L.s.live.delete(id);
  }
  if (mode === 'salvage') {
    const lostHistory = L.problems.some((p) => p.file === FILES.history);
    const ids = [...L.s.finished].filter((id) => !L.s.history.has(id));
    if (lostHistory && ids.length) L.problems.push({ file: FILES.history, offset: 0, reason: `finished tasks whose history record is lost (they are not sent again)`, ids, lostRecords: ids.length });
  }
  return { state: L.s, problems: L.problems };
}

/**
 * Loads a data directory. Strict mode throws STORE_CORRUPT (naming file and offset) at
 * the first damage, and returns the fixes (cutting never-acknowledged tails, deleting
 * leftovers) the caller applies before opening; salvage mode keeps every record that can
 * be read and lists all damage. Neither ever writes.
 *
 * The newest commit record may describe a commit whose writes were cut by the crash (it
 * is written beside them, not after them); the files must then meet the one before, and
 * the state is as of that one: the torn commit was never acknowledged.
 */
export async function loadStore(dir: string, opts: LoadOptions): Promise<{ state: LoadedState; problems: StoreProblem[] }> {
  const pre: StoreProblem[] = [];
  if (opts.known) return loadWith(dir, opts.mode, opts.known.manifest, undefined, opts.known.claims.gen > 0 || opts.known.manifest ? opts.known.claims : undefined, opts.known.journalStart, pre);
  const salvage = opts.mode === 'salvage';
  let manifest: Manifest | undefined;
  try {
    manifest = await readManifest(dir);
  } catch (err) {
    if (!salvage) throw err;
    pre.push({ file: 'manifest.json', offset: 0, reason: (err as Error).message });
  }
  const slots = await readSlots(join(dir, SLOTS_FILE));
  if (!manifest) {
    const legacy = await readLegacyCheckpoint(dir, opts.mode, pre);
    const segmentsLeft = await readdir(join(dir, SEGMENT_DIR)).then((f) => f.length > 0, () => false);
    if (!legacy && (slots.exists || segmentsLeft) && !pre.length) {
      const p = { file: 'manifest.json', offset: 0, reason: 'the manifest is missing, but commit records or live segments exist' };
      if (!salvage) throw corruptError(dir, p);
      pre.push(p);
    }
    const journals = await listJournals(dir);
    const start = legacy?.journal ?? journals[0] ?? 1;
    return loadWith(dir, opts.mode, undefined, legacy, undefined, start, pre);
  }
  const base = manifest.claims;
  const candidates: Claims[] = [];
  if (slots.newest && slots.newest.gen >= base.gen) {
    candidates.push(slots.newest);
    if (slots.newest.confirmed) {
      // Its data was durable before it was written: nothing to fall back to.
    } else if (slots.other && slots.other.gen === slots.newest.gen - 1 && slots.other.gen >= base.gen) candidates.push(slots.other);
    else if (base.gen === slots.newest.gen - 1) candidates.push(base);
  } else if (base.gen === 0 && !slots.newest) {
    candidates.push(base);
  } else {
    const reason = !slots.exists ? 'the commit file is missing' : slots.newest ? `the newest commit record (${slots.newest.gen}) is older than the checkpoint (${base.gen})` : 'no commit record is readable';
    const p = { file: SLOTS_FILE, offset: 0, reason };
    if (!salvage) throw corruptError(dir, p);
    pre.push(p);
    candidates.push(slots.newest && slots.newest.gen >= base.gen ? slots.newest : base);
  }
  let lastErr: unknown;
  for (const c of candidates) {
    try {
      return await loadWith(dir, 'strict', manifest, undefined, c, manifest.journal, []);
    } catch (err) {
      if (!(err instanceof KatarError) || err.code !== 'STORE_CORRUPT') throw err;
      lastErr = err;
      if (!(err instanceof ClaimNotMet)) break;
    }
  }
  if (!salvage) throw lastErr;
  return loadWith(dir, 'salvage', manifest, undefined, candidates[0], manifest.journal, pre);
}

/** True when `dir` holds anything of a katar-sms store. */
export async function hasStore(dir: string): Promise<boolean> {
  for (const f of ['manifest.json', SLOTS_FILE, FILES.legacyCheckpoint, FILES.history, FILES.inbox]) if (await exists(join(dir, f))) return true;
  return (await listJournals(dir).catch(() => [])).length > 0;
}
