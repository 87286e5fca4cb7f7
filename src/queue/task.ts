/**
 * The task model of the katar queue, made durable: statuses, priorities, attempts and
 * leases. Pure data; no I/O.
 */

/** Task statuses, spelled as the katar protocol spells them. */
export type TaskStatus = 'paused' | 'queued' | 'in progress' | 'done' | 'failed' | 'cancelled';

/** All statuses, in a stable order (for metrics and validation). */
export const TASK_STATUSES: readonly TaskStatus[] = ['paused', 'queued', 'in progress', 'done', 'failed', 'cancelled'];

/** Statuses after which a task never changes again (it moves to history). */
export const FINISHED_STATUSES: ReadonlySet<TaskStatus> = new Set<TaskStatus>(['done', 'failed', 'cancelled']);

/** Named priority levels of katar; any integer in [-1000, 1000] is accepted. */
export const Priority = { HIGH: 10, NORMAL: 0, LOW: -10 } as const;

/** What a worker needs to send one SMS (the only payload exposed to workers). */
export interface SmsData {
  /** Recipient, normalised to E.164 (or alphanumeric/short code as given). */
  to: string;
  msg: string;
}

/** How one hand-out of a task to a worker ended. */
export type AttemptOutcome = 'done' | 'failed' | 'expired' | 'unknown';

/** One hand-out of a task to a worker: who, when, and how it ended. */
export interface Attempt {
  n: number;
  worker: string;
  startedAt: string;
  endedAt?: string;
  outcome?: AttemptOutcome;
  error?: string;
}

/** The lease of a task that is `in progress`. */
export interface Lease {
  worker: string;
  expiresAt: string;
  /**
   * Set by the built-in modem worker just before it writes a PDU to the modem: from
   * then on a crash means "outcome unknown", never "send again".
   */
  submitting?: boolean;
}

/** Where one part (or the whole message) stands according to the network's status reports. */
export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/**
 * One sent part and what its status reports said (docs/DELIVERY.md). Recorded the moment
 * the modem answered `+CMGS: <mr>`, so that a report can match it from then on.
 */
export interface DeliveryPart {
  /** TP-MR the modem gave this part (`+CMGS: <mr>`), 0-255. */
  reference: number;
  /** The sending modem: `<modem name>:<IMSI>` (or ICCID, or IMEI), stable across restarts and renumbered ttyUSB. */
  modem: string;
  /** The modem's reference epoch: counts up each time its TP-MR counter was seen to restart (a power cycle). */
  epoch: number;
  /** When the modem took the part (wall clock, for people). */
  sentAt: string;
  status: DeliveryStatus;
  /** TP-ST of the latest status report for this part (TS 23.040 §9.2.3.15). */
  reportStatus?: number;
  /** The latest report in words ("validity period expired"). */
  reason?: string;
  /** When the latest status report for this part arrived. */
  reportedAt?: string;
}

/** Delivery as told by the network's status reports (built-in worker only). */
export interface Delivery {
  /** `delivered` once every part is, `failed` as soon as one part failed for good, else `pending`. */
  status: DeliveryStatus;
  /** Message references (+CMGS: <mr>) of the parts, in part order. */
  references: number[];
  /** Each part, in part order. */
  parts: DeliveryPart[];
  /** TP-ST of the latest status report, when one arrived. */
  reportStatus?: number;
  /** Why the task is failed or still pending, when a report said so. */
  reason?: string;
  updatedAt: string;
}

/** A task of the SMS queue as stored and as returned by the producer API. */
export interface Task {
  _id: string;
  queue: string;
  /** Monotonic insertion number: the tie-breaker "oldest first" and the list cursor. */
  seq: number;
  data: SmsData;
  status: TaskStatus;
  priority: number;
  /** SMS parts the message takes (GSM 7-bit / UCS-2 rules). */
  parts: number;
  createdAt: string;
  updatedAt: string;
  /** Not handed out before this instant (scheduled send). */
  sendAt?: string;
  /** Never handed out after this instant; then failed with reason "expired". */
  validUntil?: string;
  /** Retry backoff: not handed out again before this instant. */
  notBefore?: string;
  idempotencyKey?: string;
  /** The modem or group the producer named (`via`), as given. */
  via?: string;
  /**
   * The only modems that may send it, decided at intake from `via` or the destination's
   * route (routing.ts); absent: any worker, remote ones included.
   */
  modems?: string[];
  lease?: Lease;
  attempts: Attempt[];
  /** Last error, for failed tasks and retried attempts. */
  error?: string;
  delivery?: Delivery;
  finishedAt?: string;
}

/** A received SMS as stored in the inbox. */
export interface InboxEntry {
  _id: string;
  queue: string;
  seq: number;
  from: string;
  msg: string;
  receivedAt: string;
  /** Where it came from: `http` (a remote worker) or `modem:<name>`. */
  source: string;
  /** Set when a concatenated message was delivered with parts missing. */
  incomplete?: boolean;
  /** Service centre timestamp, when the modem told it. */
  sentAt?: string;
  /** Identity of the message at its source, so that a message read twice is stored once. */
  dedupKey?: string;
}

/** True when a task in this status will never change again. */
export function isFinished(status: TaskStatus): boolean {
  return FINISHED_STATUSES.has(status);
}
