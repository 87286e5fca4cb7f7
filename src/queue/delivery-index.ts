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

/** The digits a number is compared by: the last 9, since SMSCs give TP-RA in national or international form. */
const tail = (s: string): string => s.replace(/\D/g, '').slice(-9);

/** Same subscriber whatever the number format (`+49151...` vs `0151...`): compare the last 9 digits. */
export function sameNumber(a: string, b: string): boolean {
  return tail(a) !== '' && tail(a) === tail(b);
}

/**
 * The last 9 digits of a number as one integer, told apart by their count (10^count +
 * digits, below 2^31): equal keys are what `sameNumber` calls the same number; 0 for a
 * number without digits, which matches nothing.
 */
export function numberKey(s: string): number {
  const d = tail(s);
  return d === '' ? 0 : 10 ** d.length + Number(d);
}

/** Parts held before the columns double. */
const FIRST_CAPACITY = 256;
/** Expired parts at the front that are worth moving the rest for. */
const COMPACT_AFTER = 1024;

/**
 * Parts by (modem, reference), newest first, and each modem's reference epoch. A modem
 * numbers its SMS-SUBMITs 0-255 and counts up by one (TS 23.040 §9.2.3.6); a reference
 * that does not follow the last one means the counter restarted (a power cycle, or a
 * reset while the gateway was stopped), and a new epoch begins.
 *
 * A gateway that gets status reports holds every part of the last day: 50,000 of them
 * as objects in lists cost about 11 MB of heap, a third of a Pi Zero's idle budget. So the
 * parts are columns in send order (typed arrays, the task ids and recipients shared with
 * the tasks that hold them, modems and queues numbered), each (modem, reference) a chain
 * from its newest part back through the older ones: about 40 bytes a part. Parts come
 * in send order, so the ones past validity are a prefix, dropped as it grows.
 */
export class DeliveryIndex {
  #taskId: string[] = [];
  #recipient: string[] = [];
  #sentMono = new Float64Array(0);
  #epoch = new Uint32Array(0);
  #number = new Uint32Array(0);
  /** The part before this one with the same (modem, reference), -1 for none. */
  #prev = new Int32Array(0);
  #part = new Uint16Array(0);
  #modem = new Uint16Array(0);
  #queue = new Uint16Array(0);
  #reference = new Uint8Array(0);
  /** Parts in the columns, and the first one still within validity (those before it are dropped at the next compaction). */
  #used = 0;
  #start = 0;
  /** The newest part of each (modem number × 256 + reference). */
  readonly #heads = new Map<number, number>();
  readonly #modems = new Names();
  readonly #queues = new Names();
  readonly #counters = new Map<string, Counter>();
  #sincePrune = 0;

  constructor(
    /** How long after its send a part can still be reported (the message's validity period). */
    readonly validityMs: number,
    readonly mono: () => number,
  ) {}

  /** Number of parts held. */
  get size(): number {
    return this.#used - this.#start;
  }

  /** The epoch a part with `reference` sent now by `modem` belongs to (a counter restart starts a new one). */
  epochFor(modem: string, reference: number): number {
    const c = this.#counters.get(modem);
    if (!c) return 0;
    return reference === ((c.last + 1) & 0xff) || reference === c.last ? c.epoch : c.epoch + 1;
  }

  /** Makes room for `n` more parts at once (the restore knows how many it brings). */
  reserve(n: number): void {
    if (this.#used + n > this.#sentMono.length) this.#resize(this.#used + n);
  }

  /**
   * Adds a part; parts must come in send order (the store's are sorted before). A part
   * recorded again (its task sent again) is not looked for and removed: the older entry
   * has the same modem, reference and recipient and an epoch no newer, so `match` reaches
   * the new one first and never returns the old one while the new one is valid.
   */
  add(part: SentPart): void {
    const c = this.#counters.get(part.modem);
    if (!c || part.epoch > c.epoch) this.#counters.set(part.modem, { epoch: part.epoch, first: part.reference, last: part.reference, issued: 1 });
    else if (part.epoch === c.epoch) {
      c.last = part.reference;
      c.issued++;
    }
    if (this.#used === this.#sentMono.length) this.#resize(Math.max(FIRST_CAPACITY, this.#used * 2));
    const at = this.#used++;
    const modem = this.#modems.id(part.modem);
    const head = modem * 256 + (part.reference & 0xff);
    this.#taskId[at] = part.taskId;
    this.#recipient[at] = part.recipient;
    this.#sentMono[at] = part.sentMono;
    this.#epoch[at] = part.epoch;
    this.#number[at] = numberKey(part.recipient);
    this.#prev[at] = this.#heads.get(head) ?? -1;
    this.#part[at] = part.index;
    this.#modem[at] = modem;
    this.#queue[at] = this.#queues.id(part.queue);
    this.#reference[at] = part.reference;
    this.#heads.set(head, at);
    if (++this.#sincePrune >= 1000) this.prune();
  }

  /**
   * The part a report of `modem` for `reference` to `recipient` is about: sent within the
   * validity period, newest first. A part of an earlier epoch only matches while the
   * modem has not issued that reference again since its counter restarted, so a reused
   * reference never reaches a task sent before the power cycle.
   */
  match(modem: string, reference: number, recipient: string): SentPart | undefined {
    const m = this.#modems.find(modem);
    const want = numberKey(recipient);
    if (m === undefined || want === 0) return undefined;
    const oldest = this.mono() - this.validityMs;
    const c = this.#counters.get(modem);
    for (let at = this.#heads.get(m * 256 + (reference & 0xff)) ?? -1; at >= this.#start; at = this.#prev[at]!) {
      if (this.#sentMono[at]! < oldest) break;
      if (this.#number[at] !== want) continue;
      if (c && this.#epoch[at]! < c.epoch && reissued(c, reference)) continue;
      return this.#read(at);
    }
    return undefined;
  }

  /** Forgets parts older than the validity period. */
  prune(): void {
    this.#sincePrune = 0;
    const oldest = this.mono() - this.validityMs;
    while (this.#start < this.#used && this.#sentMono[this.#start]! < oldest) this.#start++;
    if (this.#start === this.#used) this.#clear();
    else if (this.#start >= COMPACT_AFTER && this.#start * 2 >= this.#used) this.#compact();
  }

  #read(at: number): SentPart {
    return {
      queue: this.#queues.name(this.#queue[at]!),
      taskId: this.#taskId[at]!,
      index: this.#part[at]!,
      modem: this.#modems.name(this.#modem[at]!),
      reference: this.#reference[at]!,
      recipient: this.#recipient[at]!,
      epoch: this.#epoch[at]!,
      sentMono: this.#sentMono[at]!,
    };
  }

  #clear(): void {
    this.#used = this.#start = 0;
    this.#taskId = [];
    this.#recipient = [];
    this.#heads.clear();
    if (this.#sentMono.length > FIRST_CAPACITY) this.#resize(FIRST_CAPACITY);
  }

  /** Moves the parts still within validity to the front; chains into the dropped ones end. */
  #compact(): void {
    const cut = this.#start;
    const n = this.#used - cut;
    for (const col of [this.#sentMono, this.#epoch, this.#number, this.#prev, this.#part, this.#modem, this.#queue, this.#reference]) col.copyWithin(0, cut, this.#used);
    for (let at = 0; at < n; at++) this.#prev[at] = this.#prev[at]! >= cut ? this.#prev[at]! - cut : -1;
    this.#taskId = this.#taskId.slice(cut, this.#used);
    this.#recipient = this.#recipient.slice(cut, this.#used);
    for (const [head, at] of this.#heads) {
      if (at >= cut) this.#heads.set(head, at - cut);
      else this.#heads.delete(head);
    }
    this.#used = n;
    this.#start = 0;
    // Room for as many again: a steady flow of sends does not resize at every compaction.
    this.#resize(Math.max(FIRST_CAPACITY, n * 2));
  }

  #resize(cap: number): void {
    const to = <T extends Float64Array | Uint32Array | Int32Array | Uint16Array | Uint8Array>(a: T, C: new (n: number) => T): T => {
      const b = new C(cap);
      b.set(a.subarray(0, Math.min(cap, this.#used)));
      return b;
    };
    this.#sentMono = to(this.#sentMono, Float64Array);
    this.#epoch = to(this.#epoch, Uint32Array);
    this.#number = to(this.#number, Uint32Array);
    this.#prev = to(this.#prev, Int32Array);
    this.#part = to(this.#part, Uint16Array);
    this.#modem = to(this.#modem, Uint16Array);
    this.#queue = to(this.#queue, Uint16Array);
    this.#reference = to(this.#reference, Uint8Array);
  }
}

/** Names numbered in the order first seen (modems, queues: a handful each). */
class Names {
  readonly #ids = new Map<string, number>();
  readonly #names: string[] = [];

  id(name: string): number {
    let n = this.#ids.get(name);
    if (n === undefined) this.#ids.set(name, (n = this.#names.push(name) - 1));
    return n;
  }

  find(name: string): number | undefined {
    return this.#ids.get(name);
  }

  name(id: number): string {
    return this.#names[id]!;
  }
}

/** Whether the counter issued `reference` in its current epoch (references run first..last, mod 256). */
function reissued(c: Counter, reference: number): boolean {
  if (c.issued >= 256) return true;
  return ((reference - c.first) & 0xff) <= ((c.last - c.first) & 0xff);
}
