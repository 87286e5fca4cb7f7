import type { Clock } from '../clock.js';
import type { SentPart } from './delivery-index.js';
import { hasPartList } from './delivery-status.js';
import type { FileStore } from './store/file-store.js';
import type { DeliveryPart, Task } from './task.js';

/** Most finished tasks read back at start (a bound for a history whose clock went wrong). */
const MAX_TASKS = 50_000;

/**
 * The parts still within validity, as the store holds them, oldest send first: from the
 * live tasks and from history, newest first, stopping at tasks that finished before the
 * validity window opened (a part is sent before its task finishes). Only the finished
 * tasks the history index marks as carrying parts are read back (HistoryMeta.sentParts,
 * set from the record whenever it is indexed: at load, at its finish, at a retention
 * rewrite), so a history of tasks sent without parts (remote workers, failures before
 * the modem took a part) costs no reads after a start. A part's age comes from its
 * wall-clock `sentAt`, the only clock that survives a restart, and is never negative, so
 * a Pi that boots with an old clock keeps parts rather than losing them.
 */
export async function readSentParts(store: FileStore, validityMs: number, clock: Clock): Promise<SentPart[]> {
  const wall = clock.wall();
  const mono = clock.mono();
  const found: Array<{ task: Task; part: DeliveryPart; index: number; sentMs: number }> = [];
  const see = (task: Task): void => {
    if (!hasPartList(task.delivery)) return;
    task.delivery.parts.forEach((part, index) => part && found.push({ task, part, index, sentMs: Date.parse(part.sentAt) }));
  };
  for (const t of store.live.values()) see(t);
  for (const meta of store.history.sentPartsSince(wall - validityMs, MAX_TASKS)) {
    if (meta.status !== 'done' && meta.status !== 'failed') continue;
    // An unreadable entry costs its own reports, not everyone's.
    const t = await store.readHistory(meta).catch(() => undefined);
    if (t) see(t);
  }
  found.sort((a, b) => a.sentMs - b.sentMs || a.index - b.index);
  return found.map(({ task, part, index, sentMs }) => ({
    queue: task.queue,
    taskId: task._id,
    index,
    modem: part.modem,
    reference: part.reference,
    recipient: task.data.to,
    epoch: part.epoch,
    sentMono: mono - Math.max(0, wall - sentMs),
  }));
}
