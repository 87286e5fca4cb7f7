/**
 * What every part of the queue contract suite shares: the factory's shape, the way a
 * test opens a queue, and small helpers. Only the SmsQueue interface is used here, never
 * an implementation's internals, so that every implementation runs the same tests.
 */
import { parseConfig } from '../../../src/config.js';
import { isKatarError } from '../../../src/errors.js';
import type { NewTask } from '../../../src/queue/queue-types.js';
import type { QueueSettings } from '../../../src/queue/settings.js';
import type { SmsQueue } from '../../../src/queue/sms-queue.js';
import type { Task } from '../../../src/queue/task.js';
import { TEST_EPOCH_MS, type TestClock } from '../../helpers/test-clock.js';

/** What a factory is asked for: one fresh, empty queue. */
export interface ContractQueueOptions {
  /** Full settings of every queue (as parseConfig builds `config.queues`). */
  queues: Record<string, QueueSettings>;
  /**
   * The only clock the queue may read, wall and monotonic. The queue must not sweep on
   * a timer of its own: the suite calls `sweep()` when it means it.
   */
  clock: TestClock;
  /** Most live tasks over all queues (QUEUE_FULL past it); the implementation's default when absent. */
  maxLiveTasks?: number;
}

/** One queue under test and its data. */
export interface ContractSubject {
  /** The queue as it is now (a new object after each restart). */
  readonly queue: SmsQueue;
  /**
   * Closes the queue and opens it again over the same data, options and clock: what a
   * gateway restart does. Resolves with the new queue (also `queue` from then on).
   */
  restart(): Promise<SmsQueue>;
  /** Closes the queue and removes its data (after each test). */
  dispose(): Promise<void>;
}

/** Makes a fresh queue over fresh, empty data. */
export type ContractFactory = (opts: ContractQueueOptions) => Promise<ContractSubject>;

/** Queue settings as the config file spells them (what parseConfig reads for one queue). */
export type RawQueueSettings = Record<string, unknown>;

/** What a test gets from `open`. */
export interface ContractEnv {
  /** The queue as it is now (follows restarts). */
  readonly q: SmsQueue;
  readonly clock: TestClock;
  restart(): Promise<SmsQueue>;
}

/** Opens a fresh queue: `sms` overrides the settings of queue "sms"; queue "other" has the defaults. */
export type OpenQueue = (opts?: { sms?: RawQueueSettings; maxLiveTasks?: number }) => Promise<ContractEnv>;

/** The wall-clock instant every test starts at. */
export const START = TEST_EPOCH_MS;

/** Settings of queue "sms" in the suite: one-minute lease, three attempts, 1 s backoff doubling. */
export const SMS_SETTINGS: RawQueueSettings = {
  leaseMs: 60_000,
  maxAttempts: 3,
  retry: { initialDelayMs: 1_000, factor: 2, maxDelayMs: 60_000 },
  resendOnUnknownOutcome: false,
};

/** The full settings of the suite's queues, "sms" with `over` applied. */
export function contractQueues(over: RawQueueSettings = {}): Record<string, QueueSettings> {
  return parseConfig({ queues: { sms: { ...SMS_SETTINGS, ...over }, other: {} } }).queues;
}

/** ISO 8601 of `ms`, as tasks spell their time stamps. */
export const iso = (ms: number): string => new Date(ms).toISOString();

/** A one-part SMS to `to`. */
export function sms(to: string, over: Partial<NewTask> = {}): NewTask {
  return { data: { to, msg: `hello ${to}` }, parts: 1, ...over };
}

/** Adds one task and returns it. */
export async function addOne(q: SmsQueue, item: NewTask = sms('+61400000001'), queue = 'sms'): Promise<Task> {
  const [r] = await q.add(queue, [item]);
  return r!.task;
}

/** Leases one task to `worker`; fails the test when there is none. */
export async function leaseOne(q: SmsQueue, worker: string, queue = 'sms'): Promise<Task> {
  const [t] = await q.lease(queue, worker, 1);
  if (!t) throw new Error(`no task to lease in "${queue}"`);
  return t;
}

/** The ids of `tasks`, in order. */
export const ids = (tasks: Array<{ _id: string }>): string[] => tasks.map((t) => t._id);

/** The attempts of `t` as [n, worker, outcome] (outcome undefined while it runs). */
export const attemptsOf = (t: Task): Array<[number, string, string | undefined]> => t.attempts.map((a) => [a.n, a.worker, a.outcome]);

/**
 * The KatarError code `run` fails with, 'resolved' when it does not fail, or the
 * error itself when it is no KatarError (so that the assertion shows it).
 */
export async function codeOf(run: () => unknown): Promise<unknown> {
  try {
    await run();
    return 'resolved';
  } catch (err) {
    return isKatarError(err) ? err.code : err;
  }
}
