/**
 * The mirror's queued tasks in hand-out order, one lane per routing (the file store's
 * ready-index.ts, over the mirror's small records): `nextPriority` and `msUntilDue` look
 * at the head of each lane the asking worker may take from, so a backlog of 100,000
 * tasks pinned to one modem costs another modem's wait nothing, and a deep queue costs a
 * heap step instead of a walk over every live task.
 */
import { Heap } from '../heap.js';
import { laneKey, mayTake, type LeaseAccept } from '../lease-filter.js';
import type { TaskStatus } from '../task.js';
import type { Now } from './pg-batch.js';

/** A live task as the mirror knows it: what decides whether and when it is handed out. */
export interface LiveTask {
  id: string;
  queue: string;
  status: TaskStatus;
  priority: number;
  seq: number;
  sendAtMs: number | undefined;
  readyTick: number;
  modems: string[] | undefined;
}

/** Highest priority first, then oldest: katar's order. */
const before = (a: LiveTask, b: LiveTask): boolean => (a.priority !== b.priority ? a.priority > b.priority : a.seq < b.seq);

interface Delayed {
  task: LiveTask;
  due: number;
}

/**
 * The queued tasks of one routing. A record is never changed in place (each change is a
 * new one), so an entry is current exactly while `isCurrent` finds its record still
 * queued in the mirror: entries of changed or gone tasks are dropped when they come up.
 */
class Lane {
  readonly #ready = new Heap<LiveTask>(before);
  /** Backing off: due on the tick line. */
  readonly #byTick = new Heap<Delayed>((a, b) => a.due < b.due);
  /** Scheduled (sendAt): due on the wall clock. */
  readonly #byWall = new Heap<Delayed>((a, b) => a.due < b.due);

  constructor(
    readonly modems: readonly string[] | undefined,
    private readonly isCurrent: (t: LiveTask) => boolean,
  ) {}

  /** Files a queued task where it waits (`now`: undefined files by its columns alone; the next look moves what is due). */
  file(t: LiveTask, now?: Now): void {
    if (t.readyTick > (now?.tick ?? 0)) this.#byTick.push({ task: t, due: t.readyTick });
    else if (t.sendAtMs !== undefined && t.sendAtMs > (now?.wall ?? -Infinity)) this.#byWall.push({ task: t, due: t.sendAtMs });
    else this.#ready.push(t);
  }

  /** The first current task that is due now, or undefined. */
  head(now: Now): LiveTask | undefined {
    this.#promote(this.#byTick, now.tick, now);
    this.#promote(this.#byWall, now.wall, now);
    for (let t = this.#ready.peek(); t; t = this.#ready.peek()) {
      if (this.isCurrent(t)) return t;
      this.#ready.pop();
    }
    return undefined;
  }

  /** Milliseconds until the first waiting task may be due (at least; it is looked at again then), or Infinity. */
  msUntilDue(now: Now): number {
    const tick = this.#top(this.#byTick);
    const wall = this.#top(this.#byWall);
    return Math.min(tick ? tick.due - now.tick : Infinity, wall ? wall.due - now.wall : Infinity);
  }

  #top(heap: Heap<Delayed>): Delayed | undefined {
    for (let d = heap.peek(); d; d = heap.peek()) {
      if (this.isCurrent(d.task)) return d;
      heap.pop();
    }
    return undefined;
  }

  #promote(heap: Heap<Delayed>, at: number, now: Now): void {
    for (let d = heap.peek(); d && d.due <= at; d = heap.peek()) {
      heap.pop();
      if (this.isCurrent(d.task)) this.file(d.task, now);
    }
  }
}

/** The lanes of every queue. */
export class ReadyLanes {
  readonly #lanes = new Map<string, Map<string, Lane>>();

  constructor(private readonly isCurrent: (t: LiveTask) => boolean) {}

  /** Files a task just made or changed to queued. */
  file(t: LiveTask): void {
    let lanes = this.#lanes.get(t.queue);
    if (!lanes) this.#lanes.set(t.queue, (lanes = new Map()));
    const key = laneKey(t);
    let lane = lanes.get(key);
    if (!lane) lanes.set(key, (lane = new Lane(key === '' ? undefined : key.split(','), this.isCurrent)));
    lane.file(t);
  }

  /** Forgets every entry (before a full re-read files them all again). */
  clear(): void {
    this.#lanes.clear();
  }

  /** Priority of the task the next lease of `accept` would take: the best head of the lanes it may take from. */
  nextPriority(queue: string, now: Now, accept: LeaseAccept | undefined): number | undefined {
    let best: LiveTask | undefined;
    for (const lane of this.#lanes.get(queue)?.values() ?? []) {
      if (!mayTake(accept, lane.modems)) continue;
      const t = lane.head(now);
      if (t && (!best || before(t, best))) best = t;
    }
    return best?.priority;
  }

  /** Milliseconds until a queued task `accept` may take falls due (0: one is due now), undefined when none waits. */
  msUntilDue(queue: string, now: Now, accept: LeaseAccept | undefined): number | undefined {
    let ms = Infinity;
    for (const lane of this.#lanes.get(queue)?.values() ?? []) {
      if (!mayTake(accept, lane.modems)) continue;
      if (lane.head(now)) return 0;
      ms = Math.min(ms, lane.msUntilDue(now));
    }
    return Number.isFinite(ms) ? Math.max(0, ms) : undefined;
  }
}
