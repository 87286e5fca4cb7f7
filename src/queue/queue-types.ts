import type { Clock } from '../clock.js';
import type { FileStore } from './store/file-store.js';
import type { QueueSettings } from './settings.js';
import type { SmsData } from './task.js';

/** A task to create (already validated and normalised by the caller). */
export interface NewTask {
  data: SmsData;
  parts: number;
  priority?: number;
  sendAt?: Date;
  validUntil?: Date;
  idempotencyKey?: string;
  paused?: boolean;
  /** The modem or group the producer named, kept for people to read. */
  via?: string;
  /** The only modems that may send it (from `via` or a route); absent or empty: any worker. */
  modems?: string[];
}

/** A worker's report on a task it was handed. */
export interface TaskReport {
  _id: string;
  /** `unknown`: the worker cannot tell whether the SMS went out (built-in worker). */
  status: 'done' | 'failed' | 'unknown';
  error?: string;
  /** Message references of the sent parts (+CMGS: <mr>), for status reports. */
  references?: number[];
  /** Whether a status report was requested for these references. */
  awaitingReport?: boolean;
  /**
   * The fencing token: the number (`n`) of the attempt the task was handed out with.
   * When given, a report on a later hand-out of the task (the lease ran out and the
   * task went out again, even to the same worker) is refused with LEASE_LOST.
   */
  attempt?: number;
}

/** A received SMS to store. */
export interface IncomingSms {
  from: string;
  msg: string;
  source: string;
  receivedAt?: Date;
  sentAt?: Date;
  dedupKey?: string;
  incomplete?: boolean;
}

/** Options of `FileQueue.open`. */
export interface FileQueueOptions {
  store: FileStore;
  queues: Record<string, QueueSettings>;
  /**
   * True for lease holders that are this process's built-in workers: their leases are
   * recovered at start (requeued, or failed as outcome unknown). Default: any `builtin:`.
   */
  isLocalWorker?: (worker: string) => boolean;
  /** Milliseconds between sweeps of expired leases and validity (0: no timer, tests call sweep()). */
  sweepIntervalMs?: number;
  /** Wall and monotonic clocks (tests inject their own). */
  clock?: Clock;
  /** Most live tasks (queued, paused, in progress); beyond it `add` fails with QUEUE_FULL. */
  maxLiveTasks?: number;
  /** Closed by the queue's `close`, in order (the store, then the data-dir lock), when it opened them. */
  owned?: Array<() => Promise<void>>;
}
