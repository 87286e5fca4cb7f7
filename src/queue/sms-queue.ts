import type { EventEmitter } from 'node:events';
import type { ClockJump } from './clock-watch.js';
import type { PartSentIn, ReportCounts, DeliveryBookEvents, StatusReportIn } from './delivery-book.js';
import type { QueueEvents } from './queue-events.js';
import type { EventPage, EventType, GatewayEvent } from './gateway-event.js';
import type { IncomingSms, NewTask, TaskReport } from './queue-types.js';
import type { LeaseAccept } from './lease-filter.js';
import type { QueueSettings } from './settings.js';
import type { InboxEntry, Task, TaskStatus } from './task.js';

/** Whether the queue's storage can record changes, and whether it takes new sends. */
export interface StoreHealth {
  writable: boolean;
  /** False when unwritable or when free space is below the reserve. */
  acceptingNew: boolean;
  reason?: string;
  freeBytes?: number;
  reserveBytes: number;
}

/** A page of results and the cursor of the next page (tasks: absent on the last page; inbox: always there, the cursor to poll from later). */
export interface Page<T> {
  items: T[];
  next?: string;
}

/** Options of a task listing. */
export interface TaskListing {
  status?: TaskStatus;
  limit: number;
  /** The `next` of the previous page (with `order: 'desc'`: tasks older than it). */
  cursor?: number;
  /** `asc` (oldest first, the default) or `desc` (newest first, paging into the past). */
  order?: 'asc' | 'desc';
  /** Only tasks whose recipient contains this text (digits, or + and digits: a search by number). */
  to?: string;
  /** Entries looked at, at most, before a short page is answered with a `next`. */
  maxScan?: number;
}

/**
 * Options of an inbox listing: after a cursor (`next` of the previous page) or after an
 * instant. With `order: 'desc'` (newest first) the cursor and the instant bound from
 * above instead: entries older than them.
 */
export interface InboxListing {
  limit: number;
  afterSeq?: number;
  afterTime?: Date;
  /** `asc` (oldest first, the default) or `desc` (newest first, paging into the past). */
  order?: 'asc' | 'desc';
  /**
   * Only messages whose sender contains this text. Such a page may be cut short (even
   * empty) after a bounded scan; its `next` then goes on from the last entry looked at.
   */
  from?: string;
}

/** What retention keeps. */
export interface RetentionPolicy {
  historyDays: number;
  inboxDays: number;
  /** Events older than this many days are removed (default 7)... */
  eventDays?: number;
  /** ...and beyond this many, the oldest (default 100,000). The newest event is always kept. */
  maxEvents?: number;
}

/**
 * Status-report bookkeeping (docs/DELIVERY.md): each part a modem sent, matched to the
 * reports that come back for it by the sending modem and its message reference.
 */
export interface DeliveryLedger extends Pick<EventEmitter<DeliveryBookEvents>, 'on' | 'off' | 'once'> {
  /** Reads the parts sent before a restart (idempotent). */
  load(): Promise<void>;
  /** A part is about to be written to `modem`: its reports wait until the send is recorded. */
  sending(modem: string): void;
  /** The modem answered `+CMGS: <mr>` for a part: durably recorded. */
  sent(queue: string, part: PartSentIn): Promise<void>;
  /** The send announced by `sending` is over. */
  ended(modem: string): void;
  /** A status report: matched to its part (durably), or held until its send is recorded. */
  report(queue: string, report: StatusReportIn): Promise<'matched' | 'held'>;
  /** Reports matched, by outcome, and reports that matched nothing. */
  counts(queue: string): ReportCounts;
}

/**
 * The event log (docs/EVENTS.md): every change an application cares about, appended in
 * the same durable write as the change. Ids increase strictly and are never reused.
 * Retention removes the oldest; the newest event is always kept, so the next id is known.
 */
export interface EventLog extends Pick<EventEmitter<{ event: [event: GatewayEvent] }>, 'on' | 'off' | 'once'> {
  /**
   * Events after `after` (an event id; 0: from the oldest kept), oldest first, at most `limit`,
   * optionally only of `types`. EVENTS_EXPIRED (410) when events after `after` were
   * already removed by retention (its details carry `oldest`, the oldest id kept).
   */
  read(after: number, opts: { types?: readonly EventType[]; limit: number }): Promise<EventPage>;
  /** Appends an event that is no queue change (`modem.state`); resolves once it is durable. */
  append(type: EventType, data: Record<string, unknown>, queue?: string): Promise<GatewayEvent>;
  /** The oldest id kept (undefined while the log is empty) and the newest id (0 before the first). */
  bounds(): { oldest: number | undefined; newest: number };
}

/** A webhook delivery that ran out of attempts or time: kept, counted, re-deliverable. */
export interface DeadLetter {
  event: GatewayEvent;
  attempts: number;
  /** The last failure: HTTP status, timeout or connection error. */
  reason: string;
  /** When it was given up (ISO 8601). */
  at: string;
}

/** What a claim attempt found: whether it was granted, and who holds the claim now. */
export interface ClaimAnswer {
  granted: boolean;
  holder: string;
}

/** The event a subscription keeps failing to deliver: how many attempts so far, and since when (wall ms of the first). */
export interface RetryState {
  eventId: number;
  attempts: number;
  sinceMs: number;
}

/**
 * Where each webhook subscription stands, durably: the last event it has taken care of
 * (delivered or dead-lettered) and its dead letters. After a crash the subscription
 * resumes after `cursor`; an event in flight is sent again (at-least-once).
 */
export interface SubscriptionProgress {
  /** The cursor and dead letters of `name` (cursor undefined for a new subscription). */
  load(name: string): Promise<{ cursor: number | undefined; deadLetters: DeadLetter[] }>;
  /**
   * Records that `name` is done with every event up to `cursor`. Never moves a cursor
   * back: a box of a fleet that lost its claim and saves late leaves the newer one.
   */
  saveCursor(name: string, cursor: number): Promise<void>;
  /**
   * Takes or renews `holder`'s right to deliver `name` until `ttlMs` from now (on the
   * store's clock, never a box's own); refused while another holder's claim is live. In
   * a fleet this makes one box deliver each subscription, and a box that stops renewing
   * (dead, cut off) loses it when the ttl runs out. The data directory (one box, locked)
   * always grants it.
   */
  claim(name: string, holder: string, ttlMs: number): Promise<ClaimAnswer>;
  /** Gives up `holder`'s claim on `name` (at stop), so that another box takes over at once. */
  unclaim(name: string, holder: string): Promise<void>;
  /**
   * Keeps a dead letter of `name` (the oldest are dropped past the limit, and counted). A
   * letter for an event id already kept replaces that one: a redelivery given up again
   * stays one letter, with its latest attempts and reason.
   */
  addDeadLetter(name: string, letter: DeadLetter): Promise<void>;
  /**
   * Removes the dead letter of `name` for this event id (once redelivered). Redelivery
   * reads the letters with `load` and removes each only after it was delivered, so a
   * crash in between keeps it (it may then be delivered twice, never lost).
   */
  removeDeadLetter(name: string, eventId: number): Promise<void>;
  /** The failed attempts of the event `name` was retrying when last told (saveRetry), if any. */
  loadRetry(name: string): Promise<RetryState | undefined>;
  /**
   * Remembers the failed attempts of the event in flight (undefined: none any more), so
   * that a restart, or another box taking over, goes on counting towards maxAttempts and
   * maxAgeMs instead of starting afresh. Written only while an event fails.
   */
  saveRetry(name: string, retry: RetryState | undefined): Promise<void>;
}

/** What one retention run removed. */
export interface PruneResult {
  tasks: number;
  sms: number;
  events: number;
  /** Another box of a fleet was running retention at the time; this run removed nothing. */
  skipped?: true;
}

/**
 * The SMS queue: the one seam between the gateway and where tasks live. The HTTP API,
 * the built-in workers, metrics and housekeeping use only this; the file-backed queue
 * (file-queue.ts, the embedded default) implements it, and the contract suite in
 * test/queue/contract/ states its semantics for any implementation.
 *
 * Task semantics:
 * - Statuses: paused, queued, in progress, done, failed, cancelled; the last three are
 *   final. Every method that changes something resolves only once the change is durable;
 *   the events (`status`, one per status name, `sent`, `sms`, `delivery`) follow after.
 * - Order: a lease hands out the highest priority first, then the oldest (insertion
 *   order). A task with `sendAt` or a retry backoff is not handed out before it is due.
 * - Leases: a leased task is `in progress` for its worker until reported, released, or
 *   the lease runs out. Expiry before `markSubmitting` requeues it (or fails it after
 *   `maxAttempts`); expiry after fails it as "outcome unknown" (requeued only with
 *   `resendOnUnknownOutcome`). A report from a worker that no longer holds the task is
 *   refused with LEASE_LOST, except a late `done` while the task waits unclaimed (kept,
 *   so the SMS is not sent twice). Repeating a report is harmless.
 * - Retries: a `failed` report requeues with exponential backoff until `maxAttempts`.
 * - Validity: a task whose `validUntil` passes before it is handed out fails "expired"
 *   (a routed task's error names the modems it waited for).
 * - Routing: a task with `modems` goes only to a lease whose `accept.modem` is one of
 *   them; a lease without `accept.modem` (a remote worker) takes only tasks without
 *   `modems`. Among the tasks a lease may take the order above holds, and tasks it may
 *   not take never slow it down (lease-filter.ts). `nextPriority` and `waitForWork`
 *   answer for the same `accept`.
 * - Idempotency: `add` with a known `idempotencyKey` returns the first task (created
 *   false), live or finished, for as long as the task is kept; with another `to` or `msg`
 *   the whole batch is refused with IDEMPOTENCY_CONFLICT.
 * - Received SMS: stored once per `dedupKey`.
 * - Every change is refused with STORAGE_FULL / STORE_UNAVAILABLE while the storage cannot
 *   write; new sends also while `acceptingNew` is false. Nothing is then half-done.
 */
export interface SmsQueue extends Pick<EventEmitter<QueueEvents>, 'on' | 'off' | 'once'> {
  /** Names of the configured queues. */
  readonly queueNames: string[];
  /** The settings of `queue`, or QUEUE_NOT_FOUND. */
  settings(queue: string): QueueSettings;

  /** Stores tasks in one durable write, all or none (QUEUE_FULL past the live-task limit). */
  add(queue: string, items: NewTask[]): Promise<Array<{ task: Task; created: boolean }>>;
  /** Hands out up to `max` due tasks to `worker` for `leaseMs` (default: the queue's). */
  lease(queue: string, worker: string, max?: number, leaseMs?: number, accept?: LeaseAccept): Promise<Task[]>;
  /** Applies `reports`, then leases, in one durable write (the katar protocol's POST). */
  reportAndLease(queue: string, worker: string, reports: TaskReport[], max: number, leaseMs?: number, accept?: LeaseAccept): Promise<Task[]>;
  /** Records a worker's outcomes of tasks it holds. */
  report(queue: string, worker: string, reports: TaskReport[]): Promise<void>;
  /** Durably notes that `worker` starts writing the SMS: from here a crash is "outcome unknown". */
  markSubmitting(queue: string, worker: string, id: string): Promise<void>;
  /** Gives a held task back untried (nothing reached the modem). */
  release(queue: string, worker: string, id: string, why: string): Promise<void>;
  /** Cancels a queued or paused task (TASK_CONFLICT otherwise; pause and resume likewise). */
  cancel(queue: string, id: string): Promise<Task>;
  pause(queue: string, id: string): Promise<Task>;
  resume(queue: string, id: string): Promise<Task>;
  /** Expires leases and validity that have run out (also done on a timer). */
  sweep(): Promise<void>;

  /** Stores a received SMS once per `dedupKey`. */
  receive(queue: string, sms: IncomingSms): Promise<{ entry: InboxEntry; duplicate: boolean }>;
  /** Status reports of sent parts. */
  readonly deliveries: DeliveryLedger;
  /** Every change, as events (docs/EVENTS.md). */
  readonly events: EventLog;
  /** Durable progress of the webhook subscriptions. */
  readonly subscriptions: SubscriptionProgress;

  /** A task by id, live or finished (TASK_NOT_FOUND). */
  get(queue: string, id: string): Promise<Task>;
  /** Tasks of `queue` oldest first (or newest first with `order: 'desc'`), optionally of one status or recipient, paged; `next` absent on the last page. */
  listTasks(queue: string, opts: TaskListing): Promise<Page<Task>>;
  /** Received SMS of `queue`, oldest first (or newest first with `order: 'desc'`), paged; `next` on every page. */
  listInbox(queue: string, opts: InboxListing): Promise<Page<InboxEntry>>;
  /** Tasks per status in `queue`. */
  counts(queue: string): Record<TaskStatus, number>;
  /** Priority of the task the next lease of `queue` (with `accept`) would hand out, if any. */
  nextPriority(queue: string, accept?: LeaseAccept): number | undefined;
  /** Resolves at once while a task of `queue` that `accept` may take is ready, else when one may be (queued, or due), after `ms`, or on abort. */
  waitForWork(queue: string, ms: number, signal?: AbortSignal, accept?: LeaseAccept): Promise<void>;

  /** Whether the storage writes and takes new sends. */
  health(): StoreHealth;
  /** Sizes of what the storage holds, in bytes, by part (for /healthz). */
  sizes(): Record<string, number>;
  /** Calls `listener` whenever health changes. */
  onHealthChange(listener: (h: StoreHealth) => void): void;
  /**
   * The highest sequence number handed out and the newest wall time stamp the data
   * holds: what the clock watch compares the system clock with.
   */
  dataMarks(): { seq: number; newestMs: number | undefined };
  /**
   * Removes finished tasks, received SMS and events older than the policy (see
   * housekeeping.ts). `now` and `jump` are this box's wall clock and its last jump; a
   * queue whose records carry another clock's times (PostgreSQL: the database's) judges
   * age by that clock instead. `skipped`: another box of a fleet was pruning.
   */
  prune(policy: RetentionPolicy, now: number, jump?: ClockJump): Promise<PruneResult>;

  /** Stops timers, flushes, and releases the storage. */
  close(): Promise<void>;
}
