import type { Task } from '../task.js';
import type { LogPosition } from './append-log.js';

/** What the index keeps of a received SMS. */
export interface InboxMeta {
  _id: string;
  queue: string;
  seq: number;
  receivedAt: string;
  dedupKey?: string;
  pos: LogPosition;
}

/** Damage found in a data directory: the file, where, what, and what it cost. */
export interface StoreProblem {
  /** Path relative to the data directory. */
  file: string;
  offset: number;
  reason: string;
  /** Records known to be lost here (from record numbers and commit records), when known. */
  lostRecords?: number;
  /** Ids known to be affected, when known. */
  ids?: string[];
}

/** A change a load asks for before the store opens (never done by `store check`). */
export type LoadFix = { kind: 'truncate'; file: string; bytes: number } | { kind: 'delete'; file: string };

/** The v0.1 checkpoint (live.json), read for an upgrade in place. */
export interface LegacyCheckpoint {
  version: 1;
  journal: number;
  tasks: Task[];
}

/** The key of a received SMS's dedup key in `inboxByKey`: per queue, as the same key may come to two queues. */
export const inboxKey = (queue: string, dedupKey: string): string => `${queue}\u0000${dedupKey}`;

/** File names of a data directory. */
export const FILES = {
  legacyCheckpoint: 'live.json',
  history: 'history.jsonl',
  inbox: 'inbox.jsonl',
  events: 'events.jsonl',
  probe: '.katar-probe',
} as const;

/** Name of journal number `n`. */
export const journalName = (n: number): string => `journal-${String(n).padStart(8, '0')}.jsonl`;

/** Matches a journal name; group 1 is its number. */
export const JOURNAL_RE = /^journal-(\d{8})\.jsonl$/;
