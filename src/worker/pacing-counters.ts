import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DurableJsonFile } from '../queue/store/durable-json-file.js';
import type { CalendarUnit } from './pacing-calendar.js';

/** The count of one calendar window: which window (its key) and how many parts. */
export interface WindowCount {
  key: string;
  count: number;
}

/** What the counter file of one modem holds. */
interface CounterFile {
  version: 1;
  modem: string;
  windows: Partial<Record<CalendarUnit, WindowCount>>;
}

/**
 * The send counters of one modem, kept in `<dir>/<modem>.json` so that a restart does
 * not hand the SIM a fresh allowance. The file never holds less than was sent: before
 * a send takes the count past what the file holds, the file is written (temp, fsync,
 * rename) with a reserve of `block` parts more, so most sends write nothing and a crash
 * costs at most `block` parts of a window's allowance, never an SMS over a cap. A clean
 * stop writes the exact counts.
 */
export class PacingCounters {
  readonly #file: DurableJsonFile<CounterFile> | undefined;
  readonly #dir: string | undefined;
  /** What is counted now (exact). */
  readonly counts: Partial<Record<CalendarUnit, WindowCount>> = {};
  /** What the file holds (at least `counts` in the same windows). */
  #durable: Partial<Record<CalendarUnit, WindowCount>> = {};
  #writing: Promise<void> = Promise.resolve();

  constructor(
    readonly modem: string,
    dir: string | undefined,
    readonly block = 10,
  ) {
    this.#dir = dir;
    this.#file = dir ? new DurableJsonFile<CounterFile>(join(dir, `${modem}.json`)) : undefined;
  }

  /** Reads the counts kept by the previous run (nothing when there is no file). */
  async load(): Promise<void> {
    if (!this.#file || !this.#dir) return;
    await mkdir(this.#dir, { recursive: true });
    const saved = await this.#file.read();
    if (!saved || saved.version !== 1 || typeof saved.windows !== 'object' || saved.windows === null) return;
    for (const unit of ['minute', 'hour', 'day'] as const) {
      const w = saved.windows[unit];
      if (w && typeof w.key === 'string' && Number.isInteger(w.count) && w.count >= 0) {
        this.counts[unit] = { ...w };
        this.#durable[unit] = { ...w };
      }
    }
  }

  /** The count of `unit` in the window `key` (0 for a window not seen yet). */
  countIn(unit: CalendarUnit, key: string): number {
    const w = this.counts[unit];
    return w && w.key === key ? w.count : 0;
  }

  /**
   * Counts `parts` in the windows named by `keys`, durably before it resolves when the
   * file holds less; throws (nothing counted) when the file cannot be written.
   */
  async add(keys: Partial<Record<CalendarUnit, string>>, parts: number): Promise<void> {
    const next: Partial<Record<CalendarUnit, WindowCount>> = {};
    let write = false;
    for (const [unit, key] of Object.entries(keys) as Array<[CalendarUnit, string]>) {
      const count = this.countIn(unit, key) + parts;
      next[unit] = { key, count };
      const d = this.#durable[unit];
      if (!d || d.key !== key || d.count < count) write = true;
    }
    if (write) {
      const reserved = Object.fromEntries(Object.entries(next).map(([u, w]) => [u, { key: w.key, count: w.count + this.block }]));
      await this.#write(reserved);
    }
    Object.assign(this.counts, next);
  }

  /** Takes back `parts` that never reached the modem (the file keeps its reserve). */
  subtract(keys: Partial<Record<CalendarUnit, string>>, parts: number): void {
    for (const [unit, key] of Object.entries(keys) as Array<[CalendarUnit, string]>) {
      const w = this.counts[unit];
      if (w && w.key === key) w.count = Math.max(0, w.count - parts);
    }
  }

  /** Writes the exact counts (at stop), when they differ from the file. */
  async flush(): Promise<void> {
    const units = Object.keys(this.counts) as CalendarUnit[];
    if (units.every((u) => this.#durable[u]?.key === this.counts[u]!.key && this.#durable[u]?.count === this.counts[u]!.count)) return;
    await this.#write(Object.fromEntries(units.map((u) => [u, { ...this.counts[u]! }])));
  }

  async #write(windows: Partial<Record<CalendarUnit, WindowCount>>): Promise<void> {
    if (!this.#file) {
      this.#durable = windows;
      return;
    }
    const file = this.#file;
    // One write at a time: a later write must not be overtaken by an earlier one.
    const run = this.#writing.then(() => file.write({ version: 1, modem: this.modem, windows }));
    this.#writing = run.catch(() => undefined);
    await run;
    this.#durable = windows;
  }
}
