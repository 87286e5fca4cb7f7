import { isEventType } from '../gateway-event.js';
import { TASK_STATUSES, type InboxEntry, type Task } from '../task.js';

/*
 * What a loaded record must look like before the store uses it. JSON that parses is not
 * yet a task: a record with a field missing would otherwise fail later, far from the
 * file, as a TypeError. Each check returns what is wrong, or undefined.
 */

const isStr = (v: unknown): v is string => typeof v === 'string';
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What is wrong with `v` as a task, or undefined when it is one. */
export function taskProblem(v: unknown): string | undefined {
  if (!isObj(v)) return 'not a task (not an object)';
  if (!isStr(v._id) || v._id === '') return 'a task without an _id';
  if (!isStr(v.queue)) return `task ${v._id} has no queue`;
  if (!Number.isSafeInteger(v.seq) || (v.seq as number) < 0) return `task ${v._id} has no valid seq`;
  if (!TASK_STATUSES.includes(v.status as Task['status'])) return `task ${v._id} has an unknown status`;
  if (!isObj(v.data) || !isStr(v.data.to) || !isStr(v.data.msg)) return `task ${v._id} has no data.to / data.msg`;
  if (typeof v.priority !== 'number' || typeof v.parts !== 'number') return `task ${v._id} has no priority / parts`;
  if (!isStr(v.createdAt) || !isStr(v.updatedAt)) return `task ${v._id} has no createdAt / updatedAt`;
  if (!Array.isArray(v.attempts)) return `task ${v._id} has no attempts`;
  return undefined;
}

/** What is wrong with `v` as a received SMS, or undefined when it is one. */
export function inboxProblem(v: unknown): string | undefined {
  if (!isObj(v)) return 'not a received SMS (not an object)';
  const e = v as Partial<Record<keyof InboxEntry, unknown>>;
  if (!isStr(e._id) || e._id === '') return 'a received SMS without an _id';
  if (!isStr(e.queue) || !isStr(e.from) || !isStr(e.msg) || !isStr(e.receivedAt) || !isStr(e.source)) return `received SMS ${e._id} lacks queue / from / msg / receivedAt / source`;
  if (!Number.isSafeInteger(e.seq) || (e.seq as number) < 0) return `received SMS ${e._id} has no valid seq`;
  return undefined;
}

/** What is wrong with `v` as an event, or undefined when it is one. */
export function eventProblem(v: unknown): string | undefined {
  if (!isObj(v)) return 'not an event (not an object)';
  if (!Number.isSafeInteger(v.id) || (v.id as number) < 1) return 'an event without a valid id';
  if (!isStr(v.type) || !isEventType(v.type)) return `event ${String(v.id)} has an unknown type`;
  if (!isStr(v.time) || !isObj(v.data)) return `event ${String(v.id)} has no time / data`;
  return undefined;
}

/** A journal record: a live task's new state, a task that finished, or the journal's end. */
export type JournalRecord = { put: Task } | { fin: string } | { end: number };

/** What is wrong with `v` as a journal record, or undefined. */
export function journalProblem(v: unknown): string | undefined {
  if (!isObj(v)) return 'not a journal record';
  if ('put' in v) return taskProblem(v.put);
  if ('fin' in v) return isStr(v.fin) ? undefined : 'a finish record without a task id';
  if ('end' in v) return Number.isSafeInteger(v.end) ? undefined : 'a closing record without the next journal';
  return 'an unknown journal record';
}

/** The header record that starts a rewritten history or inbox file. */
export interface EpochHeader {
  epoch: number;
}

/** True when `v` is the header of a rewritten file. */
export function isEpochHeader(v: unknown): v is EpochHeader {
  return isObj(v) && Number.isSafeInteger(v.epoch) && !('_id' in v);
}
