import type { FastifyInstance } from 'fastify';
import type { ModemControls } from '../../gateway/modem-controls.js';
import type { RequestGuards } from '../request-guards.js';
import { declareAccess, requireRoles } from '../route-access.js';
import { errorResponses, errorSchema, TOKEN_ERRORS } from '../schemas.js';

/** What the USSD plugin needs. */
export interface UssdRoutesOptions {
  controls: ModemControls;
  guards: RequestGuards;
}

const params = {
  type: 'object',
  properties: { name: { type: 'string', minLength: 1, maxLength: 64, description: 'a built-in modem name' } },
  required: ['name'],
} as const;

const answerSchema = {
  type: 'object',
  properties: {
    modem: { type: 'string' },
    status: { type: 'integer', description: '+CUSD <m>: 0 no further action, 1 a menu waits for a reply, 2 terminated by network, 3 other local client responded, 4 operation not supported, 5 network time out' },
    statusText: { type: 'string', description: 'the status in words' },
    text: { type: 'string', description: "the network's answer, decoded (GSM 7-bit or UCS-2)" },
    session: { type: 'string', enum: ['open', 'closed'], description: 'open while a menu waits for POST .../ussd/reply' },
    dcs: { type: 'integer', description: 'the data coding scheme the network gave' },
  },
  required: ['modem', 'status', 'statusText', 'text', 'session'],
} as const;

/** The error answers of these routes, described for them. */
const USSD_ERRORS = {
  404: { ...errorSchema, description: 'no built-in modem of that name (MODEM_NOT_FOUND)' },
  409: { ...errorSchema, description: 'a USSD session is open for another request (USSD_BUSY), no menu is open to reply to (USSD_NO_SESSION), or the session was cancelled meanwhile (USSD_CANCELLED)' },
  502: { ...errorSchema, description: 'the modem refused the request (USSD_REJECTED)' },
  503: { ...errorSchema, description: 'the modem is not ready: connecting, no network or a SIM problem (MODEM_NOT_READY); see Retry-After' },
  504: { ...errorSchema, description: 'the network did not answer in time; the session was cancelled (USSD_TIMEOUT)' },
} as const;

const timeoutMs = { type: 'integer', minimum: 1000, maximum: 120_000, description: 'how long to wait for the network, in ms (default 30000)' } as const;

/**
 * USSD through a built-in modem (admin tokens only): a code such as `*100#`, the reply to
 * a menu, and cancel. The request waits for the network's answer (2-10 s, at most the
 * timeout); it queues on the modem's command channel behind any SMS in flight.
 */
export async function ussdRoutes(app: FastifyInstance, { controls, guards }: UssdRoutesOptions): Promise<void> {
  declareAccess(app, guards, requireRoles(['admin']));

  app.post<{ Params: { name: string }; Body: { code: string; timeoutMs?: number } }>(
    '/v1/modems/:name/ussd',
    {
      schema: {
        tags: ['modems'],
        operationId: 'sendUssd',
        summary: "Sends a USSD code (balance, menus) through the modem and answers the network's reply",
        params,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['code'],
          properties: { code: { type: 'string', pattern: '^[0-9*#+]{1,182}$', description: 'a USSD code such as *100# (1 to 182 of 0-9 * # +)' }, timeoutMs },
        },
        response: { 200: answerSchema, ...errorResponses(400, ...TOKEN_ERRORS, 413, 415), ...USSD_ERRORS },
      },
    },
    async (req) => ({ modem: req.params.name, ...(await controls.get(req.params.name).ussd(req.body.code, timeout(req.body.timeoutMs))) }),
  );

  app.post<{ Params: { name: string }; Body: { text: string; timeoutMs?: number } }>(
    '/v1/modems/:name/ussd/reply',
    {
      schema: {
        tags: ['modems'],
        operationId: 'replyUssd',
        summary: 'Answers the open USSD menu (e.g. "1") and answers the next reply',
        params,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['text'],
          properties: { text: { type: 'string', pattern: '^[^"\\r\\n]{1,182}$', description: 'the reply, 1 to 182 characters without quotes or line breaks' }, timeoutMs },
        },
        response: { 200: answerSchema, ...errorResponses(400, ...TOKEN_ERRORS, 413, 415), ...USSD_ERRORS },
      },
    },
    async (req) => ({ modem: req.params.name, ...(await controls.get(req.params.name).ussdReply(req.body.text, timeout(req.body.timeoutMs))) }),
  );

  app.delete<{ Params: { name: string } }>(
    '/v1/modems/:name/ussd',
    {
      schema: {
        tags: ['modems'],
        operationId: 'cancelUssd',
        summary: 'Ends the USSD session of the modem (AT+CUSD=2)',
        params,
        response: {
          200: { type: 'object', properties: { modem: { type: 'string' }, cancelled: { type: 'boolean', description: 'whether a session was open' } }, required: ['modem', 'cancelled'] },
          ...errorResponses(400, ...TOKEN_ERRORS),
          404: USSD_ERRORS[404],
          503: USSD_ERRORS[503],
        },
      },
    },
    async (req) => ({ modem: req.params.name, ...(await controls.get(req.params.name).ussdCancel()) }),
  );
}

function timeout(ms: number | undefined): { timeoutMs?: number } {
  return ms === undefined ? {} : { timeoutMs: ms };
}
