import type { DecodedDeliver } from './types.js';

/** A message put together from its parts (or a lone part that needed no assembly). */
export interface AssembledMessage<T extends DecodedDeliver = DecodedDeliver> {
  /** The set's key (see `concatKey`); undefined for a message that was never split. */
  key: string | undefined;
  /** Parts received, in sequence order. */
  parts: T[];
  /** Parts' text joined in sequence order; missing parts leave no gap marker. */
  text: string;
  /** False when an expired set is handed out with parts missing. */
  complete: boolean;
  /** Sequence numbers never received (empty when complete). */
  missing: number[];
}

/** What `ConcatAssembler.add` did with a part. */
export type AddResult<T extends DecodedDeliver = DecodedDeliver> =
  | { status: 'complete'; message: AssembledMessage<T> }
  | { status: 'pending'; key: string; received: number; total: number }
  | { status: 'duplicate'; key: string; sequence: number };

/** A set still waiting for parts, for the caller's timeout sweep. */
export interface PendingSet {
  key: string;
  firstSeen: number;
  received: number;
  total: number;
}

/**
 * The key that groups parts of one concatenated message: sender, sender type, reference
 * size, reference and part count (TS 23.040 §9.2.3.24.1 makes the reference unique only per
 * originator, and the count must agree across parts). Undefined for an unsplit message.
 */
export function concatKey(part: DecodedDeliver): string | undefined {
  const c = part.concat;
  if (!c || c.total <= 1) return undefined;
  return `${part.senderType}:${part.sender}|${c.referenceBits}:${c.reference}|${c.total}`;
}

interface SetState<T> {
  firstSeen: number;
  total: number;
  parts: Map<number, T>;
}

/**
 * Collects SMS-DELIVER parts into whole messages. Pure bookkeeping: it never starts a timer.
 * The caller passes its own clock value to `add` and calls `expire` to hand out sets whose
 * missing parts never came. A part whose sequence was already received is reported as a
 * duplicate and dropped (the first copy wins). Generic so callers can carry extra fields,
 * such as the storage index to delete once the message is handled.
 */
export class ConcatAssembler<T extends DecodedDeliver = DecodedDeliver> {
  private readonly sets = new Map<string, SetState<T>>();

  /** Adds a part; `now` is the caller's clock (e.g. Date.now()) used only by `expire`. */
  add(part: T, now = 0): AddResult<T> {
    const key = concatKey(part);
    if (key === undefined || !part.concat) {
      return { status: 'complete', message: { key: undefined, parts: [part], text: part.text, complete: true, missing: [] } };
    }
    const { sequence, total } = part.concat;
    let set = this.sets.get(key);
    if (!set) {
      set = { firstSeen: now, total, parts: new Map() };
      this.sets.set(key, set);
    }
    if (set.parts.has(sequence)) return { status: 'duplicate', key, sequence };
    set.parts.set(sequence, part);
    if (set.parts.size < total) return { status: 'pending', key, received: set.parts.size, total };
    this.sets.delete(key);
    return { status: 'complete', message: assemble(key, set) };
  }

  /** Removes and returns every set first seen at or before `olderThan`, parts missing. */
  expire(olderThan: number): AssembledMessage<T>[] {
    const out: AssembledMessage<T>[] = [];
    for (const [key, set] of this.sets) {
      if (set.firstSeen <= olderThan) {
        this.sets.delete(key);
        out.push(assemble(key, set));
      }
    }
    return out;
  }

  /** Sets still waiting for parts. */
  pending(): PendingSet[] {
    return [...this.sets].map(([key, set]) => ({ key, firstSeen: set.firstSeen, received: set.parts.size, total: set.total }));
  }

  /** Number of sets waiting for parts. */
  get size(): number {
    return this.sets.size;
  }
}

function assemble<T extends DecodedDeliver>(key: string, set: SetState<T>): AssembledMessage<T> {
  const parts: T[] = [];
  const missing: number[] = [];
  for (let seq = 1; seq <= set.total; seq++) {
    const part = set.parts.get(seq);
    if (part) parts.push(part);
    else missing.push(seq);
  }
  // Joining raw strings also repairs a surrogate pair a sender split across two parts.
  return { key, parts, text: parts.map((p) => p.text).join(''), complete: missing.length === 0, missing };
}
