import type { Task } from './task.js';

/**
 * Who asks for work, as data (never a callback), so that a queue in a database can turn
 * it into a WHERE clause: a built-in worker names its modem and takes the tasks routed to
 * it as well as the unrouted ones; a worker that names none (a remote worker over the
 * katar protocol) takes only unrouted tasks. A task is routed when intake gave it
 * `modems` (from its `via` or a destination-prefix route); in SQL terms:
 * `modems IS NULL OR $modem = ANY(modems)`.
 */
export interface LeaseAccept {
  /** The configured name of the asking modem. */
  modem?: string;
}

/** True when a worker asking with `accept` may take a task routed to `modems` (none: unrouted). */
export function mayTake(accept: LeaseAccept | undefined, modems: readonly string[] | undefined): boolean {
  if (!modems || modems.length === 0) return true;
  return accept?.modem !== undefined && modems.includes(accept.modem);
}

/** The key of the ready lane a task waits in: its modems in a stable order ('' for unrouted). */
export function laneKey(task: Pick<Task, 'modems'>): string {
  return task.modems?.length ? [...task.modems].sort().join(',') : '';
}
