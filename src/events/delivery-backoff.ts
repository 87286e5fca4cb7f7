/** The first retry of a failed delivery waits about this long... */
export const FIRST_RETRY_MS = 2000;
/** ...doubling per failure up to this. */
export const MAX_RETRY_MS = 5 * 60_000;

/**
 * The wait before retry `attempt` (1 after the first failure): 2 s, 4 s, 8 s... capped at
 * 5 min, each within ±10 % so receivers that failed together are not retried together.
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempt - 1));
  return Math.min(MAX_RETRY_MS, Math.round(base * (0.9 + 0.2 * random())));
}
