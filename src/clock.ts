/**
 * The two clocks of the gateway. A Raspberry Pi has no real-time clock: it boots with
 * the time of its last shutdown (fake-hwclock) or with 1970, and the wall clock jumps
 * when NTP syncs. So every duration (leases, backoff, timeouts, waits) is measured on
 * the monotonic clock, which never jumps; the wall clock is only for timestamps people
 * read and for `sendAt` / `validUntil`, which are wall time by definition.
 */
export interface Clock {
  /** Wall-clock milliseconds since 1970 (may jump in either direction). */
  wall(): number;
  /** Monotonic milliseconds since an arbitrary origin; never jumps, never goes back. */
  mono(): number;
}

/** One reading of both clocks, taken together. */
export interface Instant {
  wall: number;
  mono: number;
}

/**
 * The process clocks: `Date.now()` and `performance.now()`, looked up at each call (not
 * bound at import) so that test fake timers, which replace the globals, drive them.
 */
export const systemClock: Clock = {
  wall: () => Date.now(),
  mono: () => globalThis.performance.now(),
};

/** Both clocks of `clock`, read at once. */
export function instant(clock: Clock): Instant {
  return { wall: clock.wall(), mono: clock.mono() };
}
