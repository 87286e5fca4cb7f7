import type { Clock } from '../../src/clock.js';

/** 2026-01-01T00:00:00.000Z: where a TestClock's wall clock starts unless told otherwise. */
export const TEST_EPOCH_MS = Date.parse('2026-01-01T00:00:00.000Z');

/**
 * A clock that moves only when the test moves it, so that leases, backoffs and
 * schedules are deterministic without fake timers. `advance` is time passing (both
 * clocks move together); `setWall` is an NTP step or a wrong boot time (only the wall
 * clock moves, as on a Raspberry Pi without a real-time clock).
 */
export class TestClock implements Clock {
  #wall: number;
  #mono: number;

  constructor(wallMs = TEST_EPOCH_MS, monoMs = 1_000) {
    this.#wall = wallMs;
    this.#mono = monoMs;
  }

  // Arrow properties, so that `const { wall } = clock` and `() => clock.mono()` both work.
  readonly wall = (): number => this.#wall;
  readonly mono = (): number => this.#mono;

  /** Lets `ms` pass on both clocks. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`time only moves forward (advance ${ms})`);
    this.#wall += ms;
    this.#mono += ms;
  }

  /** Steps the wall clock to `ms` (either direction); the monotonic clock does not move. */
  setWall(ms: number): void {
    this.#wall = ms;
  }
}
