/**
 * The shapes of the gateway's API answers the dashboard reads. Written out here rather
 * than imported from the server's sources: the dashboard is a client of the public API,
 * like any other, and its bundle must not pull in server code.
 */

export type Role = 'producer' | 'worker' | 'admin';

export interface Principal {
  name: string;
  role: Role;
}

/** GET /v1/session. Without tokens configured, authRequired is false and there is no principal. */
export interface SessionInfo {
  authRequired?: boolean;
  principal?: Principal | null;
  csrfToken?: string;
}

export type TaskStatus = 'paused' | 'queued' | 'in progress' | 'done' | 'failed' | 'cancelled';

export const TASK_STATUSES: readonly TaskStatus[] = ['queued', 'paused', 'in progress', 'done', 'failed', 'cancelled'];

export interface Attempt {
  n?: number;
  worker?: string;
  startedAt?: string;
  endedAt?: string;
  outcome?: string;
  error?: string;
}

export interface DeliveryPart {
  reference?: number;
  modem?: string;
  sentAt?: string;
  status?: 'pending' | 'delivered' | 'failed';
  reportStatus?: number;
  reason?: string;
  reportedAt?: string;
}

export interface Delivery {
  status?: 'pending' | 'delivered' | 'failed';
  references?: number[];
  /** One entry per part; tasks of old versions carry a map reference -> status. */
  parts?: DeliveryPart[] | Record<string, string>;
  reason?: string;
  updatedAt?: string;
}

export interface Task {
  _id: string;
  queue?: string;
  status: TaskStatus;
  data: { to: string; msg: string };
  priority?: number;
  parts?: number;
  createdAt?: string;
  updatedAt?: string;
  finishedAt?: string;
  sendAt?: string;
  validUntil?: string;
  error?: string;
  lease?: { worker?: string; expiresAt?: string };
  attempts?: Attempt[];
  delivery?: Delivery;
}

export interface InboxEntry {
  _id: string;
  seq: number;
  from: string;
  msg: string;
  receivedAt: string;
  sentAt?: string;
  source?: string;
  incomplete?: boolean;
}

export interface GatewayEvent {
  id: number;
  type: string;
  time: string;
  queue?: string;
  data: Record<string, unknown>;
}

/** POST /v1/queue/:queue/send with dryRun: what the message would cost, nothing stored. */
export interface DryRun {
  dryRun: true;
  to: string;
  encoding: 'gsm7' | 'ucs2';
  parts: number;
  characters: number;
  perPart: number;
  charsLeft: number;
}

export interface Modem {
  name: string;
  state: string;
  since?: string;
  signalDbm?: number;
  signalBars?: number;
  operator?: string;
  registration?: string;
  simState?: string;
  model?: string;
  lastError?: string;
  lastErrorAt?: string;
  updatedAt?: string;
  /** Sending paused by the modem's pacing: a send limit or a time window. */
  pauseReason?: string;
  pausedUntil?: string;
  pauseDetail?: string;
}

export interface StatsHour {
  start: string;
  sent: number;
  failed: number;
  received: number;
  delivered: number;
}

export interface WebhookState {
  name: string;
  url: string;
  events: string[];
  cursor: number;
  backlog: number;
  redeliveries: number;
  attempts: number;
  deadLetters: number;
  delivered: number;
  failedAttempts: number;
  expired: number;
  lastSuccessAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  /** `standby`: another gateway of the fleet delivers this subscription (`deliveredBy`). */
  claim?: 'held' | 'standby';
  deliveredBy?: string | null;
}

export interface SystemInfo {
  version: string;
  gatewayId: string;
  startedAt: string;
  uptimeSeconds: number;
  node: string;
  dataDir: string;
  sizes: Record<string, number | boolean | string>;
  config: unknown;
}

export interface Health {
  status: string;
  queues: Record<string, Record<string, number>>;
}
