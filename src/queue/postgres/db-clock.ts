import type { Clock } from '../../clock.js';
import type { Database } from './pg-pool.js';

/**
 * The fleet's clock: the database server's, never a box's. Every statement of the
 * PostgreSQL queue takes its times as parameters from a Clock; in production it is this
 * one, which samples `clock_timestamp()` at open and every `resampleMs`, and advances
 * between samples on this process's monotonic clock (no round trip per statement).
 *
 * `wall()` is the database's wall time (time stamps, sendAt, validUntil). `mono()` is
 * the tick line every box shares for durations (lease ends, retry backoffs): the same
 * database time, but never going back, so a step of the server's clock cannot end a
 * lease early on one box and late on another by more than the step. In tests a TestClock
 * takes its place (its `mono` is the tick line).
 */
export class DbClock implements Clock {
  #dbAt = 0;
  #monoAt = 0;
  #lastTick = 0;
  #timer: NodeJS.Timeout | undefined;

  private constructor(private readonly db: Database) {}

  /** Samples the database clock once, then every `resampleMs` (0: never again). */
  static async open(db: Database, resampleMs = 60_000): Promise<DbClock> {
    const c = new DbClock(db);
    await c.sample();
    if (resampleMs > 0) {
      c.#timer = setInterval(() => void c.sample().catch(() => undefined), resampleMs);
      c.#timer.unref();
    }
    return c;
  }

  /** Reads `clock_timestamp()`, correcting for half the round trip. */
  async sample(): Promise<void> {
    const before = performance.now();
    const [r] = await this.db.query('SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms');
    const after = performance.now();
    this.#dbAt = Number(r!.ms);
    this.#monoAt = (before + after) / 2;
  }

  readonly wall = (): number => Math.round(this.#dbAt + (performance.now() - this.#monoAt));

  readonly mono = (): number => {
    this.#lastTick = Math.max(this.#lastTick, this.wall());
    return this.#lastTick;
  };

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
  }
}
