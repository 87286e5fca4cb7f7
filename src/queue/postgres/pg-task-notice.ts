/**
 * The katar_tasks notification of a transaction (pg-batch.ts writes it, pg-sync.ts reads
 * it on the other boxes): the tasks it changed, each with the columns other boxes'
 * mirrors keep (pg-mirror.ts), so they need not read the rows again. A NOTIFY payload
 * holds less than 8,000 bytes: the tasks whose columns do not fit are named by id (read
 * again), and past that room the notification names none (all live tasks are read again).
 */
import type { Task, TaskStatus } from '../task.js';
import type { PgChanged } from './pg-batch.js';
import type { LiveTask } from './pg-ready-lanes.js';

/** A live task in a notification: id, queue, status, priority, seq, sendAtMs, readyTick, modems. */
export type LiveTuple = [string, string, TaskStatus, number, number, number | null, number, string[] | null];

/** What a notification says. */
export interface TaskNotice {
  box?: string;
  /** Queues in which something became ready: their waiting workers look again. */
  wake?: string[];
  /** Tasks finished, as [queue, status, how many]: other boxes add them to their counts. */
  finished?: Array<[string, TaskStatus, number]>;
  /** Tasks live after the change, with their columns. */
  live?: LiveTuple[];
  /** Tasks the change took out of the live ones. */
  gone?: string[];
  /** Tasks changed whose columns did not fit: to read again. */
  read?: string[];
  /** Older gateways' notifications: the tasks changed, to read again (none: read all). */
  ids?: string[];
}

/** Bytes a payload may take (PostgreSQL refuses 8,000 and more), with room for the quoting of the SQL literal. */
const PAYLOAD_BYTES = 7_800;

const LIVE = new Set<TaskStatus>(['queued', 'paused', 'in progress']);

const tupleOf = ({ task: t, readyTick }: PgChanged): LiveTuple => [t._id, t.queue, t.status, t.priority, t.seq, t.sendAt ? Date.parse(t.sendAt) : null, readyTick, t.modems?.length ? t.modems : null];

/** The live task a tuple describes. */
export function liveOfTuple(x: LiveTuple): LiveTask {
  return { id: x[0], queue: x[1], status: x[2], priority: Number(x[3]), seq: Number(x[4]), sendAtMs: x[5] === null ? undefined : Number(x[5]), readyTick: Number(x[6]), modems: x[7] ?? undefined };
}

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** The notification of `changed` (the last change of each task counts). */
export function taskNotice(box: string, changed: readonly PgChanged[], wake: string[], finished: Array<[string, TaskStatus, number]>): string {
  const last = new Map<string, PgChanged>();
  for (const c of changed) last.set(c.task._id, c);
  const base: TaskNotice = { box, wake, finished };
  const live: LiveTuple[] = [];
  const gone: string[] = [];
  const read: string[] = [];
  // Each entry costs its JSON and a comma; each of the three lists its name and brackets.
  const room = PAYLOAD_BYTES - bytes(JSON.stringify(base)) - 3 * 12;
  const entries = [...last.values()].map((c) => {
    const entry: Task['_id'] | LiveTuple = LIVE.has(c.task.status) ? tupleOf(c) : c.task._id;
    return { id: c.task._id, entry, cost: bytes(JSON.stringify(entry)) + 1, idCost: bytes(JSON.stringify(c.task._id)) + 1 };
  });
  // Every task is named at least (else none is: all are read again); the room left carries columns, in order.
  let spare = room - entries.reduce((n, e) => n + e.idCost, 0);
  if (spare < 0) return JSON.stringify(base);
  for (const e of entries) {
    if (e.cost - e.idCost > spare) {
      read.push(e.id);
      continue;
    }
    spare -= e.cost - e.idCost;
    if (typeof e.entry === 'string') gone.push(e.entry);
    else live.push(e.entry);
  }
  return JSON.stringify({ ...base, ...(live.length && { live }), ...(gone.length && { gone }), ...(read.length && { read }) });
}
