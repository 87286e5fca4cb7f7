import { EventEmitter } from 'node:events';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock, type Clock } from '../clock.js';
import { openJsonDocument, type JsonDocument } from './store/json-document.js';

/** The last time the wall clock was seen to jump, kept in the data dir. */
export interface ClockJump {
  /** Largest sequence number written before the jump: what is older has untrusted times. */
  seq: number;
  /** Wall time just after the jump (in the clock's new reckoning). */
  at: string;
  /** Size of the jump in ms (negative: backward); 0 when found at start-up. */
  byMs: number;
}

interface ClockFile {
  version: 1;
  lastJump?: ClockJump;
}

/** Options of the clock watch. */
export interface ClockWatchOptions {
  clock?: Clock;
  /** Largest sequence number in the store now. */
  maxSeq: () => number;
  /** Newest wall timestamp found in the data (ms), if any. */
  newestData?: () => number | undefined;
  /** A change of wall minus monotonic time beyond this is a jump. Default 2 s. */
  thresholdMs?: number;
}

/** No katar-sms release predates this: a clock before it is certainly wrong. */
const NO_RELEASE_BEFORE = Date.UTC(2026, 0, 1);

/**
 * Watches the wall clock against the monotonic clock and remembers, durably, the last
 * jump. Retention reads it: a record written before the jump carries a time stamp from
 * the old reckoning (1970, or the last shutdown), so its age is judged by the time
 * since the jump instead. The start-up check also catches the jump that happened while
 * the gateway was down (the clock now reads earlier than the newest data).
 */
export class ClockWatch extends EventEmitter<{ jump: [ClockJump] }> {
  readonly #db: JsonDocument<ClockFile>;
  readonly #clock: Clock;
  readonly #o: ClockWatchOptions;
  #offset: number;
  #timer: NodeJS.Timeout | undefined;
  #saving: Promise<void> = Promise.resolve();

  private constructor(db: JsonDocument<ClockFile>, o: ClockWatchOptions) {
    super();
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
    this.#db = db;
    this.#offset = this.#clock.wall() - this.#clock.mono();
  }

  /** Loads the last jump from `dir/clock.json` and checks the clock against the data. */
  static async open(dir: string, o: ClockWatchOptions): Promise<ClockWatch> {
    const w = new ClockWatch(await openJsonDocument<ClockFile>(join(dir, 'clock.json'), { version: 1 }), o);
    const newest = o.newestData?.();
    if (newest !== undefined && newest > w.#clock.wall() + 60_000) await w.#record(0);
    return w;
  }

  /** The last jump seen, if the clock ever jumped. */
  get lastJump(): ClockJump | undefined {
    return this.#db.data.lastJump;
  }

  /** Why the wall clock is clearly wrong now, or undefined when it looks plausible. */
  doubt(): string | undefined {
    const now = this.#clock.wall();
    const built = Math.max(NO_RELEASE_BEFORE, builtAt());
    if (now < built) return `the system clock reads ${new Date(now).toISOString()}, before this katar-sms was built (${new Date(built).toISOString()}); is time synchronisation (NTP) running?`;
    const newest = this.#o.newestData?.();
    if (newest !== undefined && newest > now + 60_000) return `the system clock reads ${new Date(now).toISOString()}, behind the newest record in the data (${new Date(newest).toISOString()})`;
    return undefined;
  }

  /** Compares the clocks once; records and announces a jump. */
  async check(): Promise<ClockJump | undefined> {
    const offset = this.#clock.wall() - this.#clock.mono();
    const by = offset - this.#offset;
    if (Math.abs(by) <= (this.#o.thresholdMs ?? 2_000)) return undefined;
    this.#offset = offset;
    return this.#record(by);
  }

  /** Checks every `everyMs` (unref'd timer). */
  start(everyMs = 5_000): void {
    this.#timer ??= setInterval(() => void this.check().catch(() => undefined), everyMs);
    this.#timer.unref();
  }

  /** Stops the timer; waits for a jump being written. */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#saving;
  }

  async #record(byMs: number): Promise<ClockJump> {
    const jump: ClockJump = { seq: this.#o.maxSeq(), at: new Date(this.#clock.wall()).toISOString(), byMs: Math.round(byMs) };
    this.#db.data = { version: 1, lastJump: jump };
    // A failed write (full disk) keeps the jump in memory and does not block later ones.
    this.#saving = this.#saving.catch(() => undefined).then(() => this.#db.write());
    await this.#saving;
    this.emit('jump', jump);
    return jump;
  }
}

/** When this installation was built: the time stamp of its own code on disk. */
function builtAt(): number {
  try {
    return statSync(fileURLToPath(import.meta.url)).mtimeMs;
  } catch {
    return 0;
  }
}
