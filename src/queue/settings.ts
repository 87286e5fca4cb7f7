/** Per-queue behaviour, validated by src/config.ts (defaults and ranges live there). */
export interface QueueSettings {
  /** Sent to workers as `configuration.interval`: how often they should poll (ms). */
  pollingIntervalMs: number;
  /** How long a worker holds a task before it goes back to the queue (ms). */
  leaseMs: number;
  /** Attempts (hand-outs) before a task is failed for good. */
  maxAttempts: number;
  /** Backoff before a failed attempt is retried: initial * factor^(n-1), capped. */
  retry: { initialDelayMs: number; factor: number; maxDelayMs: number };
  /**
   * When the built-in worker cannot know whether the modem sent a message (no answer
   * after the PDU was written), fail the task (false, the default) or send it again
   * (true: may deliver the SMS twice).
   */
  resendOnUnknownOutcome: boolean;
}

/** Delay before retry number `attempt` (1 = after the first failure). */
export function retryDelay(settings: QueueSettings, attempt: number): number {
  const { initialDelayMs, factor, maxDelayMs } = settings.retry;
  return Math.min(maxDelayMs, initialDelayMs * Math.pow(factor, Math.max(0, attempt - 1)));
}
