import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isKatarError, type ErrorCode } from '../errors.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  VALIDATION: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  CSRF_REJECTED: 403,
  QUEUE_NOT_FOUND: 404,
  TASK_NOT_FOUND: 404,
  TASK_CONFLICT: 409,
  IDEMPOTENCY_CONFLICT: 409,
  UNSUPPORTED_MEDIA_TYPE: 415,
  LEASE_LOST: 409,
  RATE_LIMITED: 429,
  QUEUE_FULL: 429,
  EVENTS_EXPIRED: 410,
  WEBHOOK_NOT_FOUND: 404,
  MODEM_NOT_FOUND: 404,
  USSD_BUSY: 409,
  USSD_NO_SESSION: 409,
  USSD_CANCELLED: 409,
  USSD_REJECTED: 502,
  MODEM_NOT_READY: 503,
  USSD_TIMEOUT: 504,
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
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
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
  // The modem's and the network's own words, which name no path: shown as they are.
  MODEM_NOT_READY: { afterMs: 10_000 },
  USSD_REJECTED: { afterMs: 5000 },
  USSD_TIMEOUT: { afterMs: 5000 },
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

/** One schema failure as ajv reports it (verbose: with the schema of the failing value). */
interface SchemaFailure {
  keyword: string;
  instancePath?: string;
  params?: Record<string, unknown>;
  message?: string;
  parentSchema?: { description?: unknown; minimum?: unknown; maximum?: unknown; type?: unknown };
}

/** How a JSON type is named in a refusal. */
const TYPE_NAME: Record<string, string> = { integer: 'an integer', number: 'a number', string: 'a string', boolean: 'true or false', object: 'an object', array: 'an array', null: 'null' };

const count = (n: unknown, one: string): string => `${String(n)} ${n === 1 ? one : `${one}s`}`;

/** `a`, `a or b`, `one of a, b, c` */
function oneOf(values: unknown[]): string {
  const v = values.map(String);
  return v.length <= 2 ? v.join(' or ') : `one of ${v.join(', ')}`;
}

/**
 * What a schema failure says about its field, in the words of the hand-written refusals
 * ("must be one of ..."), never ajv's own text: a regular expression or "must be
 * equal to one of the allowed values" tells a person nothing. A `pattern` is explained
 * by the `description` of its property, which for a patterned property says what the
 * value must be (schemas.ts).
 */
function schemaFailureText(v: SchemaFailure): string {
  const p = v.params ?? {};
  const parent = v.parentSchema ?? {};
  switch (v.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a known field';
    case 'enum':
      return `must be ${oneOf(Array.isArray(p.allowedValues) ? p.allowedValues : [])}`;
    case 'type': {
      const types = Array.isArray(p.type) ? p.type : [p.type];
      return `must be ${types.map((t) => TYPE_NAME[String(t)] ?? String(t)).join(' or ')}`;
    }
    case 'pattern':
      return typeof parent.description === 'string' ? `must be ${parent.description}` : 'is not in the expected form';
    case 'maxLength':
      return `must be at most ${count(p.limit, 'character')} long`;
    case 'minLength':
      return p.limit === 1 ? 'must not be empty' : `must be at least ${count(p.limit, 'character')} long`;
    case 'maxItems':
      return `must hold at most ${count(p.limit, 'item')}`;
    case 'minItems':
      return p.limit === 1 ? 'must not be empty' : `must hold at least ${count(p.limit, 'item')}`;
    case 'minimum':
    case 'maximum': {
      const whole = parent.type === 'integer' ? 'a whole number' : 'a number';
      if (typeof parent.minimum === 'number' && typeof parent.maximum === 'number') return `must be ${whole} from ${parent.minimum} to ${parent.maximum}`;
      return `must be ${v.keyword === 'minimum' ? 'at least' : 'at most'} ${String(p.limit)}`;
    }
    default:
      return v.message ?? 'is invalid';
  }
}

/** The 400 answer to a request that failed its route's schema: the first failure, naming the field. */
function schemaRefusal(err: FastifyError): ErrorBody {
  const v = (err.validation?.[0] ?? { keyword: '' }) as SchemaFailure;
  const params = (v.params ?? {}) as { missingProperty?: string; additionalProperty?: string };
  const field = fieldName(v.instancePath ?? '', params.missingProperty ?? params.additionalProperty);
  // The body as a whole (a JSON array, a string): say what it must be instead.
  if (!field && err.validationContext === 'body') return errorBody(400, 'VALIDATION', v.keyword === 'type' ? 'the body must be a JSON object' : `the body ${schemaFailureText(v)}`);
  const where = field || String(err.validationContext ?? 'the request');
  return errorBody(400, 'VALIDATION', `${where} ${schemaFailureText(v)}`, field || undefined);
}

/** fastify's answer to a body it has no parser for: no JSON, or no Content-Type with a body. */
const UNSUPPORTED_MEDIA = Object.freeze(errorBody(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the body as JSON with the header Content-Type: application/json'));

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
  if (err.validation) return reply.status(400).send(schemaRefusal(err));
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return reply.status(415).send(UNSUPPORTED_MEDIA);
  const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
  if (status >= 500) {
    req.log.error({ err }, 'request failed');
    return reply.status(500).send(errorBody(500, 'INTERNAL', 'internal error'));
  }
  const code = err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err instanceof SyntaxError ? 'VALIDATION' : (err.code ?? 'BAD_REQUEST');
  const message = code === 'VALIDATION' ? 'the body is not valid JSON' : err.message;
  return reply.status(status).send(errorBody(status, code, message));
}
