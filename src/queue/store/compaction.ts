import type { InboxEntry, Task } from '../task.js';
import type { LogPosition } from './append-log.js';
import type { Claims } from './commit-slots.js';
import { HistoryIndex, type HistoryMeta } from './history-index.js';
import { rewriteLog } from './rewrite-log.js';
import type { StoreFiles } from './store-files.js';
import { FILES, inboxKey, type InboxMeta } from './store-types.js';

/** What retention rewrites: the store's files and its indexes of history and inbox. */
export interface CompactionParts {
  dir: string;
  files: StoreFiles;
  history: HistoryIndex;
  inbox: InboxMeta[];
  inboxByKey: Map<string, string>;
  /** Files a finished task read back from history into `into` (the store's own indexing). */
  indexHistory: (t: Task, pos: LogPosition, into: HistoryIndex) => void;
  /** The store's handling of a failed write; returns the error to throw. */
  fail: (err: unknown) => Error;
}

/**
 * Retention: rewrites history and inbox without the entries `drop` selects, as a new
 * rewrite of each file (a header record numbers it), renamed over the old one; then a
 * commit record names the new file. Records appended meanwhile move to the new file.
 * The caller holds the store's mutex and has flushed every log.
 */
export async function compactLogs(p: CompactionParts, dropTask: (m: HistoryMeta) => boolean, dropSms: (m: InboxMeta) => boolean): Promise<{ tasks: number; sms: number }> {
  let tasks = 0;
  let sms = 0;
  const metas = [...p.history.values()];
  if (metas.some(dropTask)) {
    const idx = new HistoryIndex();
    const keep = metas.filter((m) => !dropTask(m));
    tasks = metas.length - keep.length;
    await rewrite(p, FILES.history, 'history', keep, (v, pos) => p.indexHistory(v as Task, pos, idx), () => p.history.replaceWith(idx));
  }
  const inbox = [...p.inbox];
  if (inbox.some(dropSms)) {
    const kept: InboxMeta[] = [];
    const byKey = new Map<string, string>();
    const keep = inbox.filter((m) => !dropSms(m));
    sms = inbox.length - keep.length;
    await rewrite(p, FILES.inbox, 'inbox', keep, (v, pos) => {
      const e = v as InboxEntry;
      const meta: InboxMeta = { _id: e._id, queue: e.queue, seq: e.seq, receivedAt: e.receivedAt, pos };
      if (e.dedupKey !== undefined) {
        meta.dedupKey = e.dedupKey;
        byKey.set(inboxKey(e.queue, e.dedupKey), e._id);
      }
      kept.push(meta);
    }, () => {
      p.inbox.length = 0;
      for (const m of kept) p.inbox.push(m);
      p.inboxByKey.clear();
      for (const [k, v] of byKey) p.inboxByKey.set(k, v);
    });
  }
  return { tasks, sms };
}

async function rewrite(p: CompactionParts, file: string, which: 'history' | 'inbox', keep: Array<{ pos: LogPosition }>, index: (value: unknown, pos: LogPosition) => void, swapIndex: () => void): Promise<void> {
  const f = p.files;
  const old = which === 'history' ? f.historyLog : f.inboxLog;
  const epoch = f.claims[which].epoch + 1;
  const pending: Array<[unknown, LogPosition]> = [];
  const log = await rewriteLog(p.dir, file, epoch, async (append) => {
    for (const m of keep) {
      const v = await old.read(m.pos);
      pending.push([v, await append(v)]);
    }
  });
  // Records appended while the file was rewritten (not yet written: the mutex is held).
  for (const v of old.pendingValues()) if (v !== undefined) pending.push([v, log.append(v)]);
  for (const [v, pos] of pending) index(v, pos);
  if (which === 'history') f.historyLog = log;
  else f.inboxLog = log;
  swapIndex();
  await old.close(false);
  const claims: Claims = { ...f.claims, gen: f.claims.gen + 1, [which]: { ...log.durable, epoch } };
  try {
    await f.slots.write(claims);
  } catch (err) {
    throw p.fail(err);
  }
  f.claims = claims;
}
