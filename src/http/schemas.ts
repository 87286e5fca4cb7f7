/**
 * JSON schemas of the HTTP API: request validation, response serialisation, OpenAPI. The
 * worker protocol's bodies are defined with its types in src/protocol/katar-wire.ts.
 */
import { SEND_LIMITS } from '../gateway/send-intake.js';
import { TASK_STATUSES } from '../queue/task.js';

export const errorSchema = {
  type: 'object',
  properties: { error: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } },
  required: ['error', 'code', 'message'],
} as const;

/** What each error status means, as the OpenAPI document describes the answer. */
const ERROR_MEANING: Record<number, string> = {
  400: 'a field is missing, unknown or invalid (`field` names it), or the body is not JSON',
  401: 'no token, or one that is not configured',
  403: 'the token\'s role may not call this route, or a change made with the dashboard\'s session cookie lacks its x-csrf-token (CSRF_REJECTED)',
  404: 'no such queue, task or webhook',
  409: 'the task is not in a state that allows it, or the idempotencyKey was used for another message',
  410: 'the cursor is older than the retention keeps',
  413: 'the body is larger than bodyLimitBytes',
  415: 'the body is not sent as application/json',
  429: 'a rate limit, a full queue, or too many failed authentications from this address; see Retry-After',
  503: 'the store cannot write right now, or the gateway is stopping; see Retry-After',
  507: 'the disk is full or below its free-space reserve: nothing was stored; see Retry-After',
};

/** `{400: error body, 404: error body, ...}`: the error answers a route documents. */
export function errorResponses(...statuses: number[]): Record<number, typeof errorSchema & { description: string }> {
  return Object.fromEntries(statuses.map((s) => [s, { ...errorSchema, description: ERROR_MEANING[s] ?? 'an error' }]));
}

/**
 * What a route that needs a token can answer before its handler runs: no or an unknown
 * token (401), a token of another role (403), too many failed authentications (429).
 */
export const TOKEN_ERRORS = [401, 403, 429] as const;

/*
 * A property with a `pattern` has a `description` that says what the value must be, as
 * the end of "<field> must be ...": a refusal quotes it instead of the expression
 * (errors.ts), and a test checks that every pattern of the API has one.
 */

/** `limit` of a listing: a whole number in a query string. ajv fills in the default, as the handlers would. */
export const pageLimit = { type: 'string', pattern: '^([1-9][0-9]{0,2}|1000)$', description: 'a whole number from 1 to 1000', default: '100' } as const;

/**
 * A queue name from the URL. Not checked against the name pattern here: any name that is
 * not configured (`constructor`, `toString`...) is answered 404 QUEUE_NOT_FOUND alike, by
 * a lookup that never reaches Object.prototype.
 */
export const queueParams = {
  type: 'object',
  properties: { queue: { type: 'string', minLength: 1, maxLength: 64, description: 'a configured queue name (1-32 of a-z 0-9 _ -)' } },
  required: ['queue'],
} as const;

export const taskParams = {
  type: 'object',
  properties: { queue: queueParams.properties.queue, id: { type: 'string', pattern: '^[0-9a-z]{1,64}$', description: 'a task id (1 to 64 of 0-9 a-z)' } },
  required: ['queue', 'id'],
} as const;

const attemptSchema = {
  type: 'object',
  properties: {
    n: { type: 'integer' },
    worker: { type: 'string' },
    startedAt: { type: 'string' },
    endedAt: { type: 'string' },
    outcome: { type: 'string' },
    error: { type: 'string' },
  },
} as const;

export const taskSchema = {
  type: 'object',
  properties: {
    _id: { type: 'string' },
    queue: { type: 'string' },
    status: { type: 'string', enum: [...TASK_STATUSES] },
    data: { type: 'object', properties: { to: { type: 'string' }, msg: { type: 'string' } } },
    priority: { type: 'integer' },
    parts: { type: 'integer' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    finishedAt: { type: 'string' },
    sendAt: { type: 'string' },
    validUntil: { type: 'string' },
    notBefore: { type: 'string' },
    idempotencyKey: { type: 'string' },
    via: { type: 'string', description: 'the modem or modem group the producer named' },
    modems: { type: 'array', items: { type: 'string' }, description: 'the only modems that may send it (from via or a destination-prefix route); absent: any' },
    error: { type: 'string' },
    lease: { type: 'object', properties: { worker: { type: 'string' }, expiresAt: { type: 'string' } } },
    attempts: { type: 'array', items: attemptSchema },
    delivery: {
      type: 'object',
      properties: {
        status: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
        references: { type: 'array', items: { type: 'integer' } },
        // One entry per part, in part order (docs/DELIVERY.md); tasks finished by
        // versions before it carry a map reference -> status instead, shown as stored.
        parts: {
          anyOf: [
            {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  reference: { type: 'integer' },
                  modem: { type: 'string' },
                  epoch: { type: 'integer' },
                  sentAt: { type: 'string' },
                  status: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
                  reportStatus: { type: 'integer' },
                  reason: { type: 'string' },
                  reportedAt: { type: 'string' },
                },
              },
            },
            { type: 'object', additionalProperties: { type: 'string' } },
          ],
        },
        reportStatus: { type: 'integer' },
        reason: { type: 'string' },
        updatedAt: { type: 'string' },
      },
    },
  },
} as const;

export const inboxEntrySchema = {
  type: 'object',
  properties: {
    _id: { type: 'string' },
    seq: { type: 'integer' },
    from: { type: 'string' },
    msg: { type: 'string' },
    receivedAt: { type: 'string' },
    sentAt: { type: 'string' },
    source: { type: 'string' },
    incomplete: { type: 'boolean' },
  },
} as const;

const { priority: P, idempotencyKey: K } = SEND_LIMITS;

/**
 * The fields of one message. Ranges that send-intake.ts checks (SEND_LIMITS) are only
 * described here, not checked twice: the intake's message is the one a producer sees.
 */
const sendFields = {
  to: { type: 'string', maxLength: 64, description: 'E.164 (+61404123456), or national with defaultRegion' },
  msg: { type: 'string', maxLength: 10_000 },
  priority: { type: 'integer', description: `${P.min} to ${P.max}: HIGH 10, NORMAL 0 (default), LOW -10` },
  sendAt: { type: 'string', maxLength: 40, description: 'ISO 8601: not sent before' },
  validUntil: { type: 'string', maxLength: 40, description: 'ISO 8601: never sent after; then failed (expired)' },
  idempotencyKey: { type: 'string', description: `${K.minLength} to ${K.maxLength} characters; the same key with the same to and msg returns the first task (200), never a second SMS; with another to or msg it is refused (409 IDEMPOTENCY_CONFLICT)` },
  via: { type: 'string', maxLength: 32, description: 'a modem or modem group name (config modems[].name, modemGroups): only it sends this SMS; unknown names are refused (400, field via)' },
} as const;

/** The answer of a dry run (send-intake.ts SendPreview). */
export const dryRunSchema = {
  type: 'object',
  properties: {
    dryRun: { type: 'boolean', enum: [true] },
    to: { type: 'string', description: 'the recipient normalised to E.164' },
    encoding: { type: 'string', enum: ['gsm7', 'ucs2'] },
    parts: { type: 'integer' },
    characters: { type: 'integer', description: 'length in septets (GSM 7-bit, € [ ] { } ^ ~ \\ | count 2) or UTF-16 units (UCS-2, an emoji counts 2)' },
    perPart: { type: 'integer', description: '160 or 70 for one part, 153 or 67 per part when split' },
    charsLeft: { type: 'integer', description: 'units left in the last part' },
  },
  required: ['dryRun', 'to', 'encoding', 'parts', 'characters', 'perPart', 'charsLeft'],
} as const;

export const sendBody = {
  type: 'object',
  additionalProperties: false,
  examples: [
    { to: '+61404123456', msg: 'Your code is 4711', idempotencyKey: 'login-4711' },
    { messages: [{ to: '+61404123456', msg: 'Backup finished' }, { to: '+61404654321', msg: 'Backup finished', priority: 10 }] },
  ],
  properties: {
    ...sendFields,
    dryRun: { type: 'boolean', description: 'true: validate one message and answer its normalised number, encoding and parts; nothing is stored or sent' },
    messages: {
      type: 'array',
      minItems: 1,
      maxItems: 1000,
      items: { type: 'object', additionalProperties: false, properties: sendFields, required: ['to', 'msg'] },
    },
  },
} as const;
