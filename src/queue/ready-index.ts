import { Heap } from './heap.js';
import type { Task } from './task.js';

interface ReadyEntry {
  id: string;
  priority: number;
  seq: number;
}

interface DelayedEntry {
  id: string;
  due: number;
}

/** The instant before which a queued task must not be handed out (0 = now). */
export function dueTime(task: Task): number {
  const sendAt = task.sendAt ? Date.parse(task.sendAt) : 0;
  const notBefore = task.notBefore ? Date.parse(task.notBefore) : 0;
  return Math.max(sendAt, notBefore);
}

/**
 * Which queued task goes next: highest priority, then oldest (katar's order), among
 * those that are due. Scheduled and backed-off tasks wait in a second heap ordered by
 * due time. Entries are checked lazily against the live task on the way out, so a
 * cancel or a re-prioritisation never has to search the heaps.
 */
export class ReadyIndex {
  readonly #ready = new Heap<ReadyEntry>((a, b) => (a.priority !== b.priority ? a.priority > b.priority : a.seq < b.seq));
  readonly #delayed = new Heap<DelayedEntry>((a, b) => a.due < b.due);

  /** Adds a queued task. */
  add(task: Task, now: number): void {
    const due = dueTime(task);
    if (due > now) this.#delayed.push({ id: task._id, due });
    else this.#ready.push({ id: task._id, priority: task.priority, seq: task.seq });
  }

  /**
   * Takes the next task that `lookup` still finds queued and due. `lookup` returns the
   * live task, or undefined when the entry is stale.
   */
  take(now: number, lookup: (id: string) => Task | undefined): Task | undefined {
    this.#promote(now, lookup);
    for (let e = this.#ready.pop(); e; e = this.#ready.pop()) {
      const t = lookup(e.id);
      if (!t || t.status !== 'queued' || t.priority !== e.priority) continue;
      const due = dueTime(t);
      if (due > now) {
        this.#delayed.push({ id: t._id, due });
        continue;
      }
      return t;
    }
    return undefined;
  }

  /** Priority of the task `take` would return now, without taking it. */
  peekPriority(now: number, lookup: (id: string) => Task | undefined): number | undefined {
    this.#promote(now, lookup);
    for (let e = this.#ready.peek(); e; e = this.#ready.peek()) {
      const t = lookup(e.id);
      if (t && t.status === 'queued' && t.priority === e.priority && dueTime(t) <= now) return t.priority;
      // A stale entry: drop it, and file the task again where it now belongs.
      this.#ready.pop();
      if (t && t.status === 'queued') this.add(t, now);
    }
    return undefined;
  }

  /** The next instant a delayed task becomes due, if any. */
  nextDue(): number | undefined {
    return this.#delayed.peek()?.due;
  }

  /** Number of entries (including stale ones), for tests and metrics. */
  get size(): number {
    return this.#ready.size + this.#delayed.size;
  }

  #promote(now: number, lookup: (id: string) => Task | undefined): void {
    for (let d = this.#delayed.peek(); d && d.due <= now; d = this.#delayed.peek()) {
      this.#delayed.pop();
      const t = lookup(d.id);
      if (t && t.status === 'queued') this.#ready.push({ id: t._id, priority: t.priority, seq: t.seq });
    }
  }
}
