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
  properties: { queue: queueParams.properties.queue, id: { type: 'string', pattern: '^[0-9a-z]{1,64}$' } },
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
  idempotencyKey: { type: 'string', description: `${K.minLength} to ${K.maxLength} characters; the same key returns the first task, never a second SMS` },
} as const;

export const sendBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...sendFields,
    messages: {
      type: 'array',
      minItems: 1,
      maxItems: 1000,
      items: { type: 'object', additionalProperties: false, properties: sendFields, required: ['to', 'msg'] },
    },
  },
} as const;
