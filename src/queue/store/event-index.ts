import type { GatewayEvent } from '../gateway-event.js';
import { firstAbove } from '../sorted-search.js';
import type { LogPosition } from './append-log.js';

/** One event in every STRIDE is remembered with its place in the file. */
export const EVENT_STRIDE = 256;
/** The newest events, kept whole: what live readers (SSE, webhooks) ask for. */
export const EVENT_TAIL = 1024;

/** Where a read after some id starts. */
export type EventStart = { kind: 'tail'; events: readonly GatewayEvent[] } | { kind: 'file'; offset: number };

/**
 * What the store keeps in memory of `events.jsonl`: a sample of one event position in
 * every EVENT_STRIDE, and the last EVENT_TAIL events whole. Memory stays a few hundred
 * kilobytes however long the log is (100,000 events: 391 samples); a read from an old
 * cursor seeks to the sample before it and scans forward at most a stride of records
 * before reaching the first event it returns.
 */
export class EventIndex {
  readonly #sampleIds: number[] = [];
  readonly #sampleOffsets: number[] = [];
  #tail: GatewayEvent[] = [];
  #oldest: number | undefined;
  #newest = 0;
  #count = 0;

  /** The oldest id kept (undefined while empty) and the newest id handed out (0 before the first). */
  get oldest(): number | undefined {
    return this.#oldest;
  }

  get newest(): number {
    return this.#newest;
  }

  /** Events in the file. */
  get count(): number {
    return this.#count;
  }

  /** Adds the next event (ids strictly increasing) at `pos`. */
  add(ev: GatewayEvent, pos: LogPosition): void {
    if (ev.id <= this.#newest) throw new Error(`event ${ev.id} after ${this.#newest}: ids must increase`);
    if (this.#count % EVENT_STRIDE === 0) {
      this.#sampleIds.push(ev.id);
      this.#sampleOffsets.push(pos.offset);
    }
    this.#count++;
    this.#oldest ??= ev.id;
    this.#newest = ev.id;
    this.#tail.push(ev);
    // Trimmed in steps, not one shift per event: a shift moves the whole array.
    if (this.#tail.length > 2 * EVENT_TAIL) this.#tail = this.#tail.slice(-EVENT_TAIL);
  }

  /** Notes the newest id without an event to keep (a log whose events were all removed but the newest). */
  raiseNewest(id: number): void {
    if (id > this.#newest) this.#newest = id;
  }

  /**
   * Where events after `after` are: in the tail when it reaches back far enough, else
   * from the file offset of the last sample at or before the first wanted id.
   */
  start(after: number): EventStart {
    const first = this.#tail[0];
    if (first && first.id <= after + 1) {
      const tail = this.#tail;
      const i = firstAbove(tail.length, after, (k) => tail[k]!.id);
      return { kind: 'tail', events: this.#tail.slice(i) };
    }
    const ids = this.#sampleIds;
    const j = firstAbove(ids.length, after + 1, (k) => ids[k]!) - 1;
    return { kind: 'file', offset: j >= 0 ? this.#sampleOffsets[j]! : (this.#sampleOffsets[0] ?? 0) };
  }

  /** Forgets everything (before a reload or a rewrite re-indexes the file). */
  clear(): void {
    this.#sampleIds.length = 0;
    this.#sampleOffsets.length = 0;
    this.#tail = [];
    this.#oldest = undefined;
    this.#count = 0;
    // #newest is kept: an id handed out once is never handed out again.
  }
}
