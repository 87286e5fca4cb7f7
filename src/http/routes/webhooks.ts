import type { FastifyInstance } from 'fastify';
import type { WebhookDispatcher } from '../../events/webhook-dispatcher.js';
import { KatarError } from '../../errors.js';
import type { RequestGuards } from '../request-guards.js';
import { declareAccess, requireRoles } from '../route-access.js';
import { errorResponses, TOKEN_ERRORS } from '../schemas.js';

/** What the webhooks admin plugin needs. */
export interface WebhookRoutesOptions {
  webhooks: WebhookDispatcher;
  guards: RequestGuards;
}

const stateSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    url: { type: 'string', description: 'origin and path; the query shows as ?…, the secret never' },
    events: { type: 'array', items: { type: 'string' } },
    cursor: { type: 'integer' },
    backlog: { type: 'integer' },
    redeliveries: { type: 'integer' },
    attempts: { type: 'integer' },
    deadLetters: { type: 'integer' },
    delivered: { type: 'integer' },
    failedAttempts: { type: 'integer' },
    expired: { type: 'integer' },
    lastSuccessAt: { type: ['string', 'null'] },
    lastError: { type: ['string', 'null'] },
    lastErrorAt: { type: ['string', 'null'] },
    claim: { type: 'string', enum: ['held', 'standby'], description: 'held: this box delivers the new events; standby: another box of the fleet does' },
    deliveredBy: { type: ['string', 'null'], description: 'the gateway id of the box that delivers, as last seen' },
  },
} as const;

const nameParams = { type: 'object', properties: { name: { type: 'string', maxLength: 64 } }, required: ['name'] } as const;

/** Webhook administration (docs/EVENTS.md): state, redelivery of dead letters, a test event. Admin tokens only. */
export async function webhookRoutes(app: FastifyInstance, { webhooks, guards }: WebhookRoutesOptions): Promise<void> {
  declareAccess(app, guards, requireRoles(['admin']));

  app.get('/v1/webhooks', { schema: { tags: ['webhooks'], operationId: 'listWebhooks', summary: 'Every subscription: cursor, backlog, last success and error, dead letters', response: { 200: { type: 'object', properties: { webhooks: { type: 'array', items: stateSchema } } }, ...errorResponses(...TOKEN_ERRORS) } } }, async () => ({ webhooks: webhooks.state() }));

  app.get<{ Params: { name: string } }>(
    '/v1/webhooks/:name',
    { schema: { tags: ['webhooks'], operationId: 'getWebhook', summary: 'One subscription', params: nameParams, response: { 200: stateSchema, ...errorResponses(400, ...TOKEN_ERRORS, 404) } } },
    async (req) => webhooks.stateOf(req.params.name),
  );

  app.post<{ Params: { name: string }; Body: { ids?: number[] } | undefined }>(
    '/v1/webhooks/:name/redeliver',
    {
      schema: {
        tags: ['webhooks'],
        operationId: 'redeliverWebhook',
        summary: 'Sends the dead letters again (those of `ids`, or all), oldest first, before newer events',
        params: nameParams,
        body: { type: 'object', additionalProperties: false, properties: { ids: { type: 'array', maxItems: 10000, items: { type: 'integer', minimum: 1 } } } },
        response: { 200: { type: 'object', properties: { redelivering: { type: 'integer' } } }, ...errorResponses(400, ...TOKEN_ERRORS, 404, 413, 415, 503) },
      },
    },
    async (req) => webhooks.redeliver(req.params.name, req.body?.ids),
  );

  app.post<{ Params: { name: string } }>(
    '/v1/webhooks/:name/test',
    {
      schema: {
        tags: ['webhooks'],
        operationId: 'testWebhook',
        summary: 'POSTs a signed `webhook.test` event (id 0) to the subscription once and tells how it went',
        params: nameParams,
        response: { 200: { type: 'object', properties: { ok: { type: 'boolean' }, status: { type: 'integer' }, error: { type: 'string' }, ms: { type: 'number' } } }, ...errorResponses(400, ...TOKEN_ERRORS, 404) },
      },
    },
    async (req) => {
      if (!webhooks.state().some((w) => w.name === req.params.name)) throw new KatarError('WEBHOOK_NOT_FOUND', `no webhook named "${req.params.name}"`, { field: 'name' });
      return webhooks.sendTest(req.params.name);
    },
  );
}
