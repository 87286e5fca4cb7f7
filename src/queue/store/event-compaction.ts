import type { GatewayEvent } from '../gateway-event.js';
import type { LogPosition } from './append-log.js';
import type { Claims } from './commit-slots.js';
import { EventIndex } from './event-index.js';
import { readEventFile } from './event-reader.js';
import { rewriteLog } from './rewrite-log.js';
import type { StoreFiles } from './store-files.js';
import { FILES } from './store-types.js';

/** What event retention keeps: events younger than `cutoff` (ISO time), and at most `maxEvents` of them. */
export interface EventRetention {
  cutoff: string;
  maxEvents: number;
}

/** The store's parts an event rewrite touches. */
export interface EventCompactionParts {
  dir: string;
  files: StoreFiles;
  index: EventIndex;
  /** Installs the index of the rewritten file. */
  swapIndex(index: EventIndex): void;
  /** Events appended while the file was rewritten: each is appended again to the new file (`move`), its position updated. */
  restage(move: (event: GatewayEvent) => LogPosition): void;
  fail(err: unknown): Error;
}

const PAGE = 500;

/**
 * Retention of the event log: rewrites `events.jsonl` from the first event to keep, as
 * the next rewrite of the file (header record), renamed over the old one, then names it
 * in a commit record, as history and inbox are rewritten (compaction.ts). The newest
 * event is always kept, so the next id is known after any retention. Streams the file a
 * page at a time: memory stays a page whatever the log's length. The caller holds the
 * store's mutex (no flush runs) and the event-file gate (no read runs).
 */
export async function compactEvents(p: EventCompactionParts, keep: EventRetention): Promise<number> {
  const { oldest, newest, count } = { oldest: p.index.oldest, newest: p.index.newest, count: p.index.count };
  if (oldest === undefined || count <= 1) return 0;
  const old = p.files.eventsLog;
  const end = old.durable.bytes;
  // The first id kept: within the count, then past every event older than the cutoff.
  let first = Math.max(oldest, newest - keep.maxEvents + 1);
  for (;;) {
    const start = p.index.start(first - 1);
    const page = await readEventFile(old.path, { offset: start.kind === 'file' ? start.offset : 0, end, after: first - 1, limit: PAGE });
    const young = page.events.findIndex((e) => e.time >= keep.cutoff);
    if (young >= 0) {
      first = page.events[young]!.id;
      break;
    }
    if (page.events.length === 0 || page.lastSeen >= newest) {
      first = newest;
      break;
    }
    first = page.lastSeen + 1;
  }
  if (first <= oldest) return 0;

  const epoch = (p.files.claims.events?.epoch ?? 0) + 1;
  const index = new EventIndex();
  let kept = 0;
  const log = await rewriteLog(p.dir, FILES.events, epoch, async (append) => {
    let after = first - 1;
    for (;;) {
      const start = p.index.start(after);
      const page = await readEventFile(old.path, { offset: start.kind === 'file' ? start.offset : 0, end, after, limit: PAGE });
      for (const ev of page.events) {
        index.add(ev, await append(ev));
        kept++;
      }
      if (page.events.length === 0 || page.lastSeen >= newest) break;
      after = page.lastSeen;
    }
  });
  p.files.eventsLog = log;
  p.swapIndex(index);
  p.restage((ev) => log.append(ev));
  await old.close(false);
  const claims: Claims = { ...p.files.claims, gen: p.files.claims.gen + 1, events: { ...log.durable, epoch } };
  try {
    await p.files.slots.write(claims);
  } catch (err) {
    throw p.fail(err);
  }
  p.files.claims = claims;
  return count - kept;
}
