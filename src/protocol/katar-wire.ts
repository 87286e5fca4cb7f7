/**
 * The katar HTTP worker protocol on the wire: the one definition of what a worker and the
 * server send each other, as TypeScript types and as the JSON schemas that validate them
 * (and document them in the OpenAPI document). The server's routes (src/http/routes/
 * worker.ts) and the remote worker's client (src/worker/remote/client.ts) both use it,
 * so the two sides cannot drift apart.
 *
 * Wire-compatible with katar-worker-http; the fields marked "extension" are ours, and a
 * server or worker that does not know them ignores or never sends them.
 *
 * Imports only the task model: this module sits below both HTTP and the worker.
 */
import type { AttemptOutcome, SmsData, Task } from '../queue/task.js';

/** The header a worker names itself with, so that workers sharing a token hold separate leases (extension). */
export const WORKER_HEADER = 'x-katar-worker';

/** The worker names the server tells apart; any other X-Katar-Worker value is ignored. */
export const WORKER_NAME = /^[\w.:-]{1,64}$/;

/** `GET /v1/queue/:queue`: how often a worker should poll, in ms. */
export interface QueueConfiguration {
  configuration: { interval: number };
}

/** The poll interval a worker uses when the server does not say (katar's default). */
export const DEFAULT_INTERVAL_MS = 30_000;

export const configurationReply = {
  type: 'object',
  properties: { configuration: { type: 'object', properties: { interval: { type: 'integer' } } } },
} as const;

/** The result of one task as a worker reports it. */
export interface WireReport {
  _id: string;
  status: 'done' | 'failed';
  error?: string;
  /** Extension: a failure not to retry (the outcome is unknown and a resend could duplicate the SMS). */
  final?: boolean;
  /** Extension: the `attempt` of the task as handed out (fencing token); a report on an older hand-out is refused with 409 LEASE_LOST. */
  attempt?: number;
}

/** `POST /v1/queue/:queue`: reports (optional), then the next task(s). */
export interface PollRequest {
  tasks?: WireReport[];
  /** Tasks wanted: 1 when absent; extension: more than 1, or 0 to report without taking one. */
  max?: number;
  /** Extension (long-poll): hold the answer until a task is ready or this many ms pass. */
  waitMs?: number;
  /** Extension: hand out each task with its `attempt` (the fencing token to echo in the report); katar itself shows workers only `_id` and `data`. */
  withAttempt?: boolean;
}

/** A task as workers see it: only its id and what to send. */
export interface WireTask {
  _id: string;
  data: SmsData;
  /** Extension: the number of this hand-out of the task (1 for the first), to be echoed in the report. */
  attempt?: number;
}

/** The answer to a poll that hands out tasks (a poll with none is answered 204 without a body). */
export interface PollReply {
  tasks: WireTask[];
}

/** `POST /v1/queue/:queue/receive`: an SMS the worker received. */
export interface WireSms {
  from: string;
  msg: string;
  /** Extension: the worker's own id of the message; a repeat is stored once. */
  id?: string;
  /** Extension: when the worker received it (ISO 8601). */
  receivedAt?: string;
}

export interface ReceiveRequest {
  sms: WireSms;
}

export const pollBody = {
  type: 'object',
  additionalProperties: false,
  examples: [{}, { tasks: [{ _id: '01j9z3k5m7p9r1t3v5x7z9b1d3', status: 'done' }], max: 1, waitMs: 30000 }],
  properties: {
    tasks: {
      type: 'array',
      maxItems: 1000,
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          _id: { type: 'string', minLength: 1, maxLength: 64 },
          status: { type: 'string', enum: ['done', 'failed'] },
          error: { type: 'string', maxLength: 2000 },
          final: { type: 'boolean', description: 'extension: a failure not to retry (e.g. the outcome is unknown and a resend could duplicate the SMS)' },
          attempt: { type: 'integer', minimum: 1, description: 'extension: the attempt the task was handed out with (fencing token); a report on an older hand-out gets 409 LEASE_LOST' },
        },
        required: ['_id', 'status'],
      },
    },
    max: { type: 'integer', minimum: 0, maximum: 100, description: 'tasks wanted (default 1; extension: 0 reports without taking a task)' },
    waitMs: { type: 'integer', minimum: 0, maximum: 120000, description: 'extension (long-poll): hold the answer until a task is ready or this many ms pass' },
    withAttempt: { type: 'boolean', description: 'extension: hand out each task with its attempt number, the fencing token to echo in its report' },
  },
} as const;

export const pollReply = {
  type: 'object',
  properties: {
    tasks: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          _id: { type: 'string' },
          data: { type: 'object', properties: { to: { type: 'string' }, msg: { type: 'string' } } },
          attempt: { type: 'integer', description: 'extension: the number of this hand-out (1 for the first); echo it in the report' },
        },
      },
    },
  },
} as const;

export const receiveBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    sms: {
      type: 'object',
      additionalProperties: false,
      properties: {
        from: { type: 'string', minLength: 1, maxLength: 64 },
        msg: { type: 'string', maxLength: 40_000 },
        id: { type: 'string', minLength: 1, maxLength: 200, description: 'worker-side id: a repeat is stored once' },
        receivedAt: { type: 'string', maxLength: 40 },
      },
      required: ['from', 'msg'],
    },
  },
  required: ['sms'],
} as const;

/**
 * A task as it goes to a worker: its id, recipient and text, nothing else of the task;
 * with `numbered` (a worker that polled with `withAttempt`), also the number of this hand-out.
 */
export function toWireTask(t: Pick<Task, '_id' | 'data' | 'attempts'>, numbered = false): WireTask {
  const n = numbered ? t.attempts[t.attempts.length - 1]?.n : undefined;
  return { _id: t._id, data: { to: t.data.to, msg: t.data.msg }, ...(n !== undefined && { attempt: n }) };
}

/** A task as a worker takes it from a server's answer: only the known fields (an older server sends no `attempt`). */
export function fromWireTask(t: WireTask): WireTask {
  const attempt = Number.isInteger(t.attempt) && (t.attempt as number) > 0 ? t.attempt : undefined;
  return { _id: t._id, data: { to: t.data.to, msg: t.data.msg }, ...(attempt !== undefined && { attempt }) };
}

/** How a worker's hand-out of a task ended, as the queue records it. */
export type ReportedOutcome = Exclude<AttemptOutcome, 'expired'>;

/** How a reported task ended for the queue: a `final` failure is an unknown outcome, never retried. */
export function reportedOutcome(r: WireReport): ReportedOutcome {
  return r.status === 'failed' && r.final ? 'unknown' : r.status;
}

/**
 * A worker's outcome as the wire carries it, the inverse of `reportedOutcome`: an unknown
 * outcome becomes a `final` failure. Every failure goes with a reason (the server
 * refuses one without).
 */
export function toWireReport(r: { _id: string; status: ReportedOutcome; error?: string; attempt?: number }): WireReport {
  const token = r.attempt !== undefined ? { attempt: r.attempt } : {};
  if (r.status === 'done') return { _id: r._id, status: 'done', ...token };
  return { _id: r._id, status: 'failed', error: r.error ?? 'failed', ...(r.status === 'unknown' && { final: true }), ...token };
}
