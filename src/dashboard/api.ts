import type { DryRun, GatewayEvent, Health, InboxEntry, Modem, Principal, SessionInfo, StatsHour, SystemInfo, Task, TaskStatus, WebhookState } from './types.js';

/** An API refusal: the server's `{code, message, field?}` with the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly body?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/**
 * The session's CSRF token: sent as `x-csrf-token` on every state-changing request. The
 * session itself is an HttpOnly cookie the browser sends on its own.
 */
let csrfToken: string | undefined;
/** Called when the server answers 401: the session ended (logout elsewhere, token removed). */
let onUnauthorized: () => void = () => undefined;

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

/** GETs started before they were asked for (prefetch), each used once. */
const early = new Map<string, Promise<Response | undefined>>();

/**
 * Starts GETs the first page will make, while the session is still being asked for: the
 * overview's data then arrives in the same round trip. A refused one (no session yet)
 * is simply asked again when needed.
 */
export function prefetch(...paths: string[]): void {
  for (const path of paths) early.set(path, fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin' }).catch(() => undefined));
}

async function request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const pre = method === 'GET' ? early.get(path) : undefined;
  early.delete(path);
  const got = pre && (await pre);
  const res = got?.ok ? got : await fetch(path, { method, headers, credentials: 'same-origin', ...(body !== undefined && { body: JSON.stringify(body) }) });
  if (res.status === 204) return undefined as T;
  const json = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  if (!res.ok) {
    const err = new ApiError(res.status, String(json?.code ?? `HTTP_${res.status}`), String(json?.message ?? res.statusText), typeof json?.field === 'string' ? json.field : undefined, json);
    if (res.status === 401 && path !== '/v1/session') onUnauthorized();
    throw err;
  }
  return json as T;
}

const q = (params: Record<string, string | number | undefined>): string => {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') s.set(k, String(v));
  const text = s.toString();
  return text ? `?${text}` : '';
};

/** The queue the dashboard works on: the first configured one (from /healthz). */
let queueName = 'sms';
const qp = (): string => `/v1/queue/${encodeURIComponent(queueName)}`;

export interface SendFields {
  to: string;
  msg: string;
  sendAt?: string;
  validUntil?: string;
}

export const api = {
  get queue(): string {
    return queueName;
  },
  useQueue(name: string): void {
    queueName = name;
  },

  session: () => request<SessionInfo>('GET', '/v1/session'),
  login: (token: string) => request<{ principal: Principal; csrfToken: string }>('POST', '/v1/session', { token }),
  logout: () => request<void>('DELETE', '/v1/session'),

  health: () => request<Health>('GET', '/healthz'),
  modems: () => request<{ modems: Modem[] }>('GET', '/v1/modems'),
  stats: (hours = 24) => request<{ hours: StatsHour[] }>('GET', `/v1/stats${q({ hours })}`),
  system: () => request<SystemInfo>('GET', '/v1/system'),

  dryRun: (fields: SendFields) => request<DryRun>('POST', `${qp()}/send`, { ...fields, dryRun: true }),
  send: (fields: SendFields) => request<Task>('POST', `${qp()}/send`, fields),
  task: (id: string) => request<Task>('GET', `${qp()}/tasks/${encodeURIComponent(id)}`),
  cancel: (id: string) => request<Task>('DELETE', `${qp()}/tasks/${encodeURIComponent(id)}`),
  tasks: (opts: { status?: TaskStatus | ''; to?: string; cursor?: string; limit?: number }) =>
    request<{ tasks: Task[]; next?: string }>('GET', `${qp()}/tasks${q({ order: 'desc', limit: opts.limit ?? 25, status: opts.status, to: opts.to, cursor: opts.cursor })}`),
  inbox: (opts: { from?: string; since?: string; limit?: number }) =>
    request<{ messages: InboxEntry[]; next: string }>('GET', `${qp()}/inbox${q({ order: 'desc', limit: opts.limit ?? 100, from: opts.from, since: opts.since })}`),

  events: (after: number, limit = 100) => request<{ events: GatewayEvent[]; next: number; newest: number }>('GET', `/v1/events${q({ after, limit })}`),
  webhooks: () => request<{ webhooks: WebhookState[] }>('GET', '/v1/webhooks'),
  redeliver: (name: string) => request<{ redelivering: number }>('POST', `/v1/webhooks/${encodeURIComponent(name)}/redeliver`, {}),
  testWebhook: (name: string) => request<{ ok: boolean; status?: number; error?: string; ms: number }>('POST', `/v1/webhooks/${encodeURIComponent(name)}/test`, {}),
};
