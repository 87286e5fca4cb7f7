import { firstAbove } from './sorted-search.js';

/** `state` of an entry whose status is not known to be final (it may be live). */
export const STATE_UNKNOWN = 0;
/** `state` of an entry that is neither live nor in history any more (removed lazily). */
export const STATE_DEAD = 255;

const MIN_CAPACITY = 64;

/**
 * Task ids of one queue in ascending seq order, as columns: a Float64Array of seqs, a
 * Uint8Array of states and an array of id strings (the same strings the store holds,
 * so an entry costs about 17 bytes). Seqs are handed out increasing at creation, so
 * `push` is an append; a seq out of order (never expected) is inserted in place so
 * the binary search stays right. Entries are never removed one by one: they are
 * marked dead and dropped by `compact`, so an index in a running scan stays valid.
 */
export class SeqColumn {
  #seq = new Float64Array(MIN_CAPACITY);
  #state = new Uint8Array(MIN_CAPACITY);
  #ids: string[] = [];
  #dead = 0;

  /** Entries, dead ones included. */
  get length(): number {
    return this.#ids.length;
  }

  /** Entries marked dead and not yet compacted away. */
  get dead(): number {
    return this.#dead;
  }

  /** Builds a column from entries in any order (one sort, at open or rebuild). */
  static from(seqs: readonly number[], ids: readonly string[], states: readonly number[]): SeqColumn {
    const col = new SeqColumn();
    const order = Array.from(seqs.keys());
    let sorted = true;
    for (let i = 1; i < seqs.length && sorted; i++) sorted = seqs[i - 1]! < seqs[i]!;
    if (!sorted) order.sort((a, b) => seqs[a]! - seqs[b]!);
    // Room for the sends after a start: the first one does not copy the whole column.
    col.#reserve(order.length + MIN_CAPACITY * 16);
    for (const k of order) col.#appendUnchecked(seqs[k]!, ids[k]!, states[k]!);
    return col;
  }

  /** Seq of entry `i`. */
  seqAt(i: number): number {
    return this.#seq[i]!;
  }

  /** Task id of entry `i`. */
  idAt(i: number): string {
    return this.#ids[i]!;
  }

  /** STATE_UNKNOWN, STATE_DEAD, or a final status code set by the owner. */
  stateAt(i: number): number {
    return this.#state[i]!;
  }

  /** Sets the state of entry `i`; STATE_DEAD counts it for the next compaction. */
  setState(i: number, state: number): void {
    if (this.#state[i] === STATE_DEAD) return;
    if (state === STATE_DEAD) this.#dead++;
    this.#state[i] = state;
  }

  /** Adds an entry, keeping the seq order. */
  push(seq: number, id: string, state = STATE_UNKNOWN): void {
    const n = this.#ids.length;
    if (n === 0 || this.#seq[n - 1]! < seq) {
      this.#reserve(n + 1);
      this.#appendUnchecked(seq, id, state);
      return;
    }
    const at = this.firstAfter(seq);
    this.#reserve(n + 1);
    this.#seq.copyWithin(at + 1, at, n);
    this.#state.copyWithin(at + 1, at, n);
    this.#seq[at] = seq;
    this.#state[at] = state;
    this.#ids.splice(at, 0, id);
  }

  /** Index of the first entry whose seq is greater than `seq` (binary search). */
  firstAfter(seq: number): number {
    return firstAbove(this.#ids.length, seq, (i) => this.#seq[i]!);
  }

  /** Drops the dead entries in one pass, and gives back memory when mostly empty. */
  compact(): void {
    if (this.#dead === 0) return;
    let w = 0;
    for (let r = 0; r < this.#ids.length; r++) {
      if (this.#state[r] === STATE_DEAD) continue;
      this.#seq[w] = this.#seq[r]!;
      this.#state[w] = this.#state[r]!;
      this.#ids[w] = this.#ids[r]!;
      w++;
    }
    this.#ids.length = w;
    this.#dead = 0;
    if (this.#seq.length > MIN_CAPACITY && w < this.#seq.length / 4) this.#resize(Math.max(MIN_CAPACITY, w * 2));
  }

  #appendUnchecked(seq: number, id: string, state: number): void {
    const n = this.#ids.length;
    this.#seq[n] = seq;
    this.#state[n] = state;
    this.#ids.push(id);
    if (state === STATE_DEAD) this.#dead++;
  }

  #reserve(n: number): void {
    if (n > this.#seq.length) this.#resize(Math.max(n, this.#seq.length * 2));
  }

  #resize(cap: number): void {
    const seq = new Float64Array(cap);
    seq.set(this.#seq.subarray(0, Math.min(cap, this.#ids.length)));
    const state = new Uint8Array(cap);
    state.set(this.#state.subarray(0, Math.min(cap, this.#ids.length)));
    this.#seq = seq;
    this.#state = state;
  }
}
