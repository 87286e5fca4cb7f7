import type { FastifyInstance } from 'fastify';
import type { GatewayParts } from '../../gateway/gateway-parts.js';
import type { RequestGuards } from '../request-guards.js';
import { declareAccess, requireRoles } from '../route-access.js';
import { errorResponses, TOKEN_ERRORS } from '../schemas.js';

/** What the modems plugin needs. */
export type ModemRoutesOptions = Pick<GatewayParts, 'modems'> & { guards: RequestGuards };

export const modemStatusSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    state: { type: 'string', description: 'connecting, initialising, ready, not-registered, disconnected, failed (the healing ladder gave up for now; tried again after a backoff), a SIM problem (sim-pin-required...), closed' },
    since: { type: 'string', description: 'when the modem became ready, or stopped being ready (ISO 8601); kept through the states it passes while not ready (reconnect attempts, a SIM problem)' },
    signalDbm: { type: 'number', description: 'only while ready or not-registered (the modem is sampled); absent otherwise, as when unknown' },
    signalBars: { type: 'integer', minimum: 0, maximum: 4, description: '0 (none, unknown, or not ready nor not-registered) to 4' },
    operator: { type: 'string', description: 'only while ready or not-registered' },
    registration: { type: 'string', description: 'home, roaming, searching, denied, unknown, not-registered; only while ready or not-registered' },
    simState: { type: 'string', description: 'ready once initialised, or the SIM problem; absent while unknown' },
    model: { type: 'string' },
    lastError: { type: 'string', description: 'the latest error, kept after the modem recovered' },
    lastErrorAt: { type: 'string' },
    pauseReason: { type: 'string', enum: ['limit', 'window'], description: 'while pacing holds the modem: a cap is reached, or outside its sending hours' },
    pausedUntil: { type: 'string' },
    pauseDetail: { type: 'string' },
    recovery: { type: 'string', description: 'the healing step in progress while the modem does not answer' },
    iccid: { type: 'string' },
    updatedAt: { type: 'string' },
  },
  required: ['name', 'state', 'since', 'signalBars', 'updatedAt'],
} as const;

/** The modems of this gateway as the dashboard shows them, for producer tokens (and admin). */
export async function modemRoutes(app: FastifyInstance, { modems, guards }: ModemRoutesOptions): Promise<void> {
  declareAccess(app, guards, requireRoles(['producer']));
  app.get(
    '/v1/modems',
    {
      preHandler: guards.budget('read'),
      schema: {
        tags: ['dashboard'],
        operationId: 'listModems',
        summary: "Each built-in modem: state and since when it is ready or not, signal (dBm and 0-4 bars), operator and registration while current, SIM, last error",
        response: { 200: { type: 'object', properties: { modems: { type: 'array', items: modemStatusSchema } }, required: ['modems'] }, ...errorResponses(...TOKEN_ERRORS) },
      },
    },
    async () => ({ modems: modems.statuses() }),
  );
}
