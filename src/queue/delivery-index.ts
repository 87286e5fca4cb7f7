/**
 * Which sent part a status report belongs to (docs/DELIVERY.md). Pure and in memory: the
 * delivery book (delivery-book.ts) fills it from the store at start and from the
 * worker's sends, and asks it for each report.
 */

/** One part as the index knows it. */
export interface SentPart {
  queue: string;
  taskId: string;
  /** Part number - 1. */
  index: number;
  /** Sending modem, `<name>:<IMSI>`. */
  modem: string;
  reference: number;
  recipient: string;
  epoch: number;
  /** Monotonic time of the send (for the validity window; wall time is only shown to people). */
  sentMono: number;
}

/** What the index knows of one modem's TP-MR counter in its current epoch. */
interface Counter {
  epoch: number;
  first: number;
  last: number;
  /** References issued in this epoch (at least; sends we never heard of are not counted). */
  issued: number;
}

/** Same subscriber whatever the number format (`+49151...` vs `0151...`): compare the last 9 digits. */
export function sameNumber(a: string, b: string): boolean {
  const tail = (s: string): string => s.replace(/\D/g, '').slice(-9);
  return tail(a) !== '' && tail(a) === tail(b);
}

const keyOf = (modem: string, reference: number): string => `${modem}\u0000${reference}`;

/**
 * Parts by (modem, reference), each list oldest first, and each modem's reference epoch.
 * A modem numbers its SMS-SUBMITs 0-255 and counts up by one (TS 23.040 §9.2.3.6); a
 * reference that does not follow the last one means the counter restarted (a power cycle,
 * or a reset while the gateway was stopped), and a new epoch begins.
 */
export class DeliveryIndex {
  readonly #parts = new Map<string, SentPart[]>();
  readonly #counters = new Map<string, Counter>();
  #sincePrune = 0;

  constructor(
    /** How long after its send a part can still be reported (the message's validity period). */
    readonly validityMs: number,
    readonly mono: () => number,
  ) {}

  /** Number of parts held. */
  get size(): number {
    let n = 0;
    for (const list of this.#parts.values()) n += list.length;
    return n;
  }

  /** The epoch a part with `reference` sent now by `modem` belongs to (a counter restart starts a new one). */
  epochFor(modem: string, reference: number): number {
    const c = this.#counters.get(modem);
    if (!c) return 0;
    return reference === ((c.last + 1) & 0xff) || reference === c.last ? c.epoch : c.epoch + 1;
  }

  /** Adds a part; parts must come in send order (the store's are sorted before). */
  add(part: SentPart): void {
    const c = this.#counters.get(part.modem);
    if (!c || part.epoch > c.epoch) this.#counters.set(part.modem, { epoch: part.epoch, first: part.reference, last: part.reference, issued: 1 });
    else if (part.epoch === c.epoch) {
      c.last = part.reference;
      c.issued++;
    }
    const key = keyOf(part.modem, part.reference);
    const list = (this.#parts.get(key) ?? []).filter((p) => !(p.taskId === part.taskId && p.index === part.index));
    list.push(part);
    this.#parts.set(key, list);
    if (++this.#sincePrune >= 1000) this.prune();
  }

  /**
   * The part a report of `modem` for `reference` to `recipient` is about: sent within the
   * validity period, newest first. A part of an earlier epoch only matches while the
   * modem has not issued that reference again since its counter restarted, so a reused
   * reference never reaches a task sent before the power cycle.
   */
  match(modem: string, reference: number, recipient: string): SentPart | undefined {
    const list = this.#parts.get(keyOf(modem, reference));
    if (!list) return undefined;
    const oldest = this.mono() - this.validityMs;
    const c = this.#counters.get(modem);
    for (let i = list.length - 1; i >= 0; i--) {
      const p = list[i]!;
      if (p.sentMono < oldest) break;
      if (!sameNumber(p.recipient, recipient)) continue;
      if (c && p.epoch < c.epoch && reissued(c, reference)) continue;
      return p;
    }
    return undefined;
  }

  /** Forgets parts older than the validity period. */
  prune(): void {
    this.#sincePrune = 0;
    const oldest = this.mono() - this.validityMs;
    for (const [key, list] of this.#parts) {
      const kept = list.filter((p) => p.sentMono >= oldest);
      if (kept.length === 0) this.#parts.delete(key);
      else if (kept.length !== list.length) this.#parts.set(key, kept);
    }
  }
}

/** Whether the counter issued `reference` in its current epoch (references run first..last, mod 256). */
function reissued(c: Counter, reference: number): boolean {
  if (c.issued >= 256) return true;
  return ((reference - c.first) & 0xff) <= ((c.last - c.first) & 0xff);
}
