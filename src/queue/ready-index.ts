import type { Instant } from '../clock.js';
import { Heap } from './heap.js';
import type { Task } from './task.js';

interface DelayedEntry {
  id: string;
  due: number;
}

/**
 * Which queued task goes next: highest priority, then oldest (katar's order), among
 * those that are due. A task waits for two kinds of reasons, measured on two clocks:
 * `sendAt` is a wall-clock instant by definition (the producer said "at 09:00"), while
 * a retry backoff is a duration ("30 s after the failure"), kept on the monotonic clock
 * so that a clock jump neither fires every retry at once nor delays them for hours.
 * Entries are checked lazily against the live task on the way out, so a cancel or a
 * re-prioritisation never has to search the heaps.
 */
export class ReadyIndex {
  /**
   * Ready tasks, as the task objects themselves: a task is never changed in place (each
   * change makes a new object), so the entry keeps the id, priority and seq it was filed
   * with, and costs one heap slot instead of an `{id, priority, seq}` object per task.
   */
  readonly #ready = new Heap<Task>((a, b) => (a.priority !== b.priority ? a.priority > b.priority : a.seq < b.seq));
  readonly #byWall = new Heap<DelayedEntry>((a, b) => a.due < b.due);
  readonly #byMono = new Heap<DelayedEntry>((a, b) => a.due < b.due);
  /** Monotonic instant before which a backed-off task must not go out. */
  readonly #backoff = new Map<string, number>();

  /** Adds a queued task; `backoffUntil` (monotonic) holds it after a failed attempt. */
  add(task: Task, now: Instant, backoffUntil?: number): void {
    if (backoffUntil !== undefined && backoffUntil > now.mono) this.#backoff.set(task._id, backoffUntil);
    this.#file(task, now);
  }

  /** Forgets the backoff of a task that left the queue. */
  forget(id: string): void {
    this.#backoff.delete(id);
  }

  /**
   * Takes the next task that `lookup` still finds queued and due. `lookup` returns the
   * live task, or undefined when the entry is stale.
   */
  take(now: Instant, lookup: (id: string) => Task | undefined): Task | undefined {
    this.#promote(now, lookup);
    for (let e = this.#ready.pop(); e; e = this.#ready.pop()) {
      const t = lookup(e._id);
      if (!t || t.status !== 'queued' || t.priority !== e.priority) continue;
      if (!this.#isDue(t, now)) {
        this.#file(t, now);
        continue;
      }
      this.#backoff.delete(t._id);
      return t;
    }
    return undefined;
  }

  /** Priority of the task `take` would return now, without taking it. */
  peekPriority(now: Instant, lookup: (id: string) => Task | undefined): number | undefined {
    this.#promote(now, lookup);
    for (let e = this.#ready.peek(); e; e = this.#ready.peek()) {
      const t = lookup(e._id);
      if (t && t.status === 'queued' && t.priority === e.priority && this.#isDue(t, now)) return t.priority;
      // A stale entry: drop it, and file the task again where it now belongs.
      this.#ready.pop();
      if (t && t.status === 'queued') this.#file(t, now);
    }
    return undefined;
  }

  /** Milliseconds until the next waiting task may become due, if any waits. */
  msUntilDue(now: Instant): number | undefined {
    const w = this.#byWall.peek();
    const m = this.#byMono.peek();
    const waits = [w ? w.due - now.wall : Infinity, m ? m.due - now.mono : Infinity];
    const ms = Math.min(...waits);
    return Number.isFinite(ms) ? Math.max(0, ms) : undefined;
  }

  /** Number of entries (including stale ones), for tests and metrics. */
  get size(): number {
    return this.#ready.size + this.#byWall.size + this.#byMono.size;
  }

  #isDue(t: Task, now: Instant): boolean {
    return wallDue(t) <= now.wall && (this.#backoff.get(t._id) ?? -Infinity) <= now.mono;
  }

  #file(t: Task, now: Instant): void {
    const backoff = this.#backoff.get(t._id);
    if (backoff !== undefined && backoff > now.mono) this.#byMono.push({ id: t._id, due: backoff });
    else if (wallDue(t) > now.wall) this.#byWall.push({ id: t._id, due: wallDue(t) });
    else this.#ready.push(t);
  }

  #promote(now: Instant, lookup: (id: string) => Task | undefined): void {
    const wake = (heap: Heap<DelayedEntry>, at: number): void => {
      for (let d = heap.peek(); d && d.due <= at; d = heap.peek()) {
        heap.pop();
        const t = lookup(d.id);
        if (t && t.status === 'queued') this.#file(t, now);
      }
    };
    wake(this.#byMono, now.mono);
    wake(this.#byWall, now.wall);
  }
}

/** The wall-clock instant a scheduled task (`sendAt`) may go out (0: at once). */
function wallDue(task: Task): number {
  return task.sendAt ? Date.parse(task.sendAt) : 0;
}
