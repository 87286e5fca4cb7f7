import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isKatarError, type ErrorCode } from '../errors.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  VALIDATION: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  QUEUE_NOT_FOUND: 404,
  TASK_NOT_FOUND: 404,
  TASK_CONFLICT: 409,
  LEASE_LOST: 409,
  RATE_LIMITED: 429,
  QUEUE_FULL: 429,
  EVENTS_EXPIRED: 410,
  WEBHOOK_NOT_FOUND: 404,
  STORAGE_FULL: 507,
  STORE_UNAVAILABLE: 503,
  SHUTTING_DOWN: 503,
};

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  507: 'Insufficient Storage',
};

/**
 * Refusals a client should retry later, with the default wait (ms) when the error does
 * not carry `details.retryAfterMs` (or `retryAfterSeconds`), and for the 5xx ones the message the client sees: the
 * store's own text may name paths and errno codes, which go to the log instead.
 */
const RETRY: Partial<Record<ErrorCode, { afterMs: number; message?: string }>> = {
  RATE_LIMITED: { afterMs: 1000 },
  QUEUE_FULL: { afterMs: 5000 },
  STORAGE_FULL: { afterMs: 60_000, message: 'the gateway\'s disk is full: nothing was stored; retry later' },
  STORE_UNAVAILABLE: { afterMs: 10_000, message: 'the gateway cannot write to its store right now: nothing was stored; retry later' },
  SHUTTING_DOWN: { afterMs: 5000 },
};

/** The JSON error body of every 4xx/5xx answer. */
export interface ErrorBody {
  error: string;
  code: string;
  message: string;
  field?: string;
}

/** Builds the error body for a status. */
export function errorBody(status: number, code: string, message: string, field?: string): ErrorBody {
  const body: ErrorBody = { error: STATUS_TEXT[status] ?? 'Error', code, message };
  if (field !== undefined) body.field = field;
  return body;
}

/** `/messages/2/to` -> `messages[2].to` */
function fieldName(instancePath: string, missing?: string): string {
  const parts = instancePath.split('/').filter(Boolean);
  if (missing) parts.push(missing);
  return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/**
 * The one place that maps errors to HTTP answers: codes to statuses, schema failures to
 * 400 naming the field, fastify's own client errors kept as 4xx, everything else 500
 * without details (those go to the log).
 */
export function handleError(err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (isKatarError(err)) {
    const status = STATUS[err.code] ?? 500;
    const retry = RETRY[err.code];
    const field = typeof err.details?.field === 'string' ? err.details.field : undefined;
    if (retry) {
      const d = err.details ?? {};
      const hinted = typeof d.retryAfterMs === 'number' ? d.retryAfterMs : typeof d.retryAfterSeconds === 'number' ? d.retryAfterSeconds * 1000 : undefined;
      const ms = hinted !== undefined && hinted > 0 ? hinted : retry.afterMs;
      reply.header('retry-after', String(Math.ceil(ms / 1000)));
      // Not logged per request: on a full disk every send fails, and a log line each would
      // flood the journal (on the same disk). The store logs when it stops and resumes.
      return reply.status(status).send(errorBody(status, err.code, retry.message ?? err.message, field));
    }
    if (status >= 500) req.log.error({ err }, 'request failed');
    const body = errorBody(status, err.code, status >= 500 ? 'internal error' : err.message, field);
    // An expired event cursor says where the log starts now.
    if (err.code === 'EVENTS_EXPIRED' && typeof err.details?.oldest === 'number') return reply.status(status).send({ ...body, oldest: err.details.oldest });
    return reply.status(status).send(body);
  }
  if (err.validation) {
    const v = err.validation[0];
    const params = (v?.params ?? {}) as { missingProperty?: string; additionalProperty?: string };
    const field = fieldName(v?.instancePath ?? '', params.missingProperty ?? params.additionalProperty);
    const where = err.validationContext === 'body' ? '' : `${err.validationContext} `;
    const what = params.additionalProperty ? 'is not a known field' : params.missingProperty ? 'is required' : (v?.message ?? 'is invalid');
    return reply.status(400).send(errorBody(400, 'VALIDATION', `${where}${field || '(body)'} ${what}`.trim(), field || undefined));
  }
  const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
  if (status >= 500) {
    req.log.error({ err }, 'request failed');
    return reply.status(500).send(errorBody(500, 'INTERNAL', 'internal error'));
  }
  const code = err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err instanceof SyntaxError ? 'VALIDATION' : (err.code ?? 'BAD_REQUEST');
  const message = code === 'VALIDATION' ? 'the body is not valid JSON' : err.message;
  return reply.status(status).send(errorBody(status, code, message));
}
