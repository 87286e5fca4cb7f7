import type { Instant } from '../clock.js';
import { Heap } from './heap.js';
import { laneKey, mayTake, type LeaseAccept } from './lease-filter.js';
import type { Task } from './task.js';

interface DelayedEntry {
  id: string;
  due: number;
}

/** Highest priority first, then oldest: katar's order. */
const before = (a: Task, b: Task): boolean => (a.priority !== b.priority ? a.priority > b.priority : a.seq < b.seq);

/**
 * The queued tasks that share one routing (the same `modems`, or none), in hand-out
 * order among those that are due. Entries are checked lazily against the live task on
 * the way out, so a cancel or a re-prioritisation never has to search the heaps.
 */
class ReadyLane {
  /**
   * Ready tasks, as the task objects themselves: a task is never changed in place (each
   * change makes a new object), so the entry keeps the id, priority and seq it was filed
   * with, and costs one heap slot instead of an `{id, priority, seq}` object per task.
   */
  readonly #ready = new Heap<Task>(before);
  readonly #byWall = new Heap<DelayedEntry>((a, b) => a.due < b.due);
  readonly #byMono = new Heap<DelayedEntry>((a, b) => a.due < b.due);

  constructor(
    readonly modems: readonly string[] | undefined,
    readonly backoff: Map<string, number>,
  ) {}

  /** The next task still queued and due, left in place; stale entries on the way are dropped. */
  peek(now: Instant, lookup: (id: string) => Task | undefined): Task | undefined {
    this.#promote(now, lookup);
    for (let e = this.#ready.peek(); e; e = this.#ready.peek()) {
      const t = lookup(e._id);
      if (t && t.status === 'queued' && t.priority === e.priority && this.#isDue(t, now)) return t;
      // A stale entry: drop it, and file the task again where it now belongs.
      this.#ready.pop();
      if (t && t.status === 'queued') this.file(t, now);
    }
    return undefined;
  }

  /** Removes the entry `peek` just returned. */
  popPeeked(): void {
    this.#ready.pop();
  }

  msUntilDue(now: Instant): number {
    const w = this.#byWall.peek();
    const m = this.#byMono.peek();
    return Math.min(w ? w.due - now.wall : Infinity, m ? m.due - now.mono : Infinity);
  }

  get size(): number {
    return this.#ready.size + this.#byWall.size + this.#byMono.size;
  }

  #isDue(t: Task, now: Instant): boolean {
    return wallDue(t) <= now.wall && (this.backoff.get(t._id) ?? -Infinity) <= now.mono;
  }

  file(t: Task, now: Instant): void {
    const backoff = this.backoff.get(t._id);
    if (backoff !== undefined && backoff > now.mono) this.#byMono.push({ id: t._id, due: backoff });
    else if (wallDue(t) > now.wall) this.#byWall.push({ id: t._id, due: wallDue(t) });
    else this.#ready.push(t);
  }

  #promote(now: Instant, lookup: (id: string) => Task | undefined): void {
    const wake = (heap: Heap<DelayedEntry>, at: number): void => {
      for (let d = heap.peek(); d && d.due <= at; d = heap.peek()) {
        heap.pop();
        const t = lookup(d.id);
        if (t && t.status === 'queued') this.file(t, now);
      }
    };
    wake(this.#byMono, now.mono);
    wake(this.#byWall, now.wall);
  }
}

/**
 * Which queued task goes next: highest priority, then oldest (katar's order), among
 * those that are due and that the asking worker may take. A task waits for two kinds of
 * reasons, measured on two clocks: `sendAt` is a wall-clock instant by definition (the
 * producer said "at 09:00"), while a retry backoff is a duration ("30 s after the
 * failure"), kept on the monotonic clock so that a clock jump neither fires every retry
 * at once nor delays them for hours.
 *
 * Tasks wait in one lane per routing (unrouted, or one set of modems), so a lease looks
 * at the head of each lane it may take from and never walks past tasks pinned to other
 * modems: a backlog of 100,000 tasks for one modem costs another modem's lease nothing.
 * The lanes are as many as the distinct routings the config makes (modems, groups,
 * routes), a handful.
 */
export class ReadyIndex {
  readonly #lanes = new Map<string, ReadyLane>();
  /** Monotonic instant before which a backed-off task must not go out. */
  readonly #backoff = new Map<string, number>();

  /** Adds a queued task; `backoffUntil` (monotonic) holds it after a failed attempt. */
  add(task: Task, now: Instant, backoffUntil?: number): void {
    if (backoffUntil !== undefined && backoffUntil > now.mono) this.#backoff.set(task._id, backoffUntil);
    this.#lane(task).file(task, now);
  }

  /** Forgets the backoff of a task that left the queue. */
  forget(id: string): void {
    this.#backoff.delete(id);
  }

  /**
   * Takes the next task that `lookup` still finds queued and due, among those `accept`
   * may take (without it: unrouted tasks only). `lookup` returns the live task, or
   * undefined when the entry is stale.
   */
  take(now: Instant, lookup: (id: string) => Task | undefined, accept?: LeaseAccept): Task | undefined {
    const best = this.#best(now, lookup, accept);
    if (!best) return undefined;
    best.lane.popPeeked();
    this.#backoff.delete(best.task._id);
    return best.task;
  }

  /** Priority of the task `take` would return now, without taking it. */
  peekPriority(now: Instant, lookup: (id: string) => Task | undefined, accept?: LeaseAccept): number | undefined {
    return this.#best(now, lookup, accept)?.task.priority;
  }

  /** Milliseconds until the next waiting task `accept` may take may become due, if any waits. */
  msUntilDue(now: Instant, accept?: LeaseAccept): number | undefined {
    let ms = Infinity;
    for (const lane of this.#lanes.values()) if (mayTake(accept, lane.modems)) ms = Math.min(ms, lane.msUntilDue(now));
    return Number.isFinite(ms) ? Math.max(0, ms) : undefined;
  }

  /** Number of entries (including stale ones), for tests and metrics. */
  get size(): number {
    let n = 0;
    for (const lane of this.#lanes.values()) n += lane.size;
    return n;
  }

  #best(now: Instant, lookup: (id: string) => Task | undefined, accept?: LeaseAccept): { lane: ReadyLane; task: Task } | undefined {
    let best: { lane: ReadyLane; task: Task } | undefined;
    for (const lane of this.#lanes.values()) {
      if (!mayTake(accept, lane.modems)) continue;
      const task = lane.peek(now, lookup);
      if (task && (!best || before(task, best.task))) best = { lane, task };
    }
    return best;
  }

  #lane(task: Task): ReadyLane {
    const key = laneKey(task);
    let lane = this.#lanes.get(key);
    if (!lane) this.#lanes.set(key, (lane = new ReadyLane(key === '' ? undefined : key.split(','), this.#backoff)));
    return lane;
  }
}

/** The wall-clock instant a scheduled task (`sendAt`) may go out (0: at once). */
function wallDue(task: Task): number {
  return task.sendAt ? Date.parse(task.sendAt) : 0;
}
