import type { FastifyInstance } from 'fastify';
import type { GatewayParts } from '../../gateway/gateway-parts.js';
import type { ModemHealth } from '../../gateway/modem-board.js';
import type { RequestGuards } from '../request-guards.js';
import { declareAccess, publicRoutes } from '../route-access.js';
import { notReadyReasons } from '../store-health.js';

const storeSchema = {
  type: 'object',
  description: 'file sizes in bytes, and whether the store can write and takes new sends',
  properties: {
    journal: { type: 'integer' },
    history: { type: 'integer' },
    inbox: { type: 'integer' },
    writable: { type: 'boolean' },
    acceptingNew: { type: 'boolean' },
    reason: { type: 'string' },
    freeBytes: { type: 'integer' },
    reserveBytes: { type: 'integer' },
  },
} as const;

const pausedSchema = { type: 'array', items: { type: 'string' }, description: 'modems that pacing holds: "<name> paused by limit until <ISO>" or "<name> outside send window until <ISO>"' } as const;

/**
 * Why no modem of this gateway can send; empty when one is `ready`, or when none is on
 * the board. A built-in worker reports its modem from its start, so an empty board is a
 * gateway whose sends go to remote workers only: their modems are not ours to judge.
 */
export function modemNotReadyReasons(modems: readonly ModemHealth[]): string[] {
  if (modems.length === 0 || modems.some((m) => m.state === 'ready')) return [];
  return [`no modem can send: ${modems.map((m) => `${m.name} ${m.state}`).join(', ')}`];
}

/**
 * What pacing holds, one line per paused modem ("modem0 paused by limit until <ISO> (...)"):
 * readiness detail, not a reason to be unready, since the sends are taken and go out
 * when the modem may send again or through another modem.
 */
export function modemPauseDetail(modems: readonly ModemHealth[]): string[] {
  return modems.filter((m) => m.pauseReason && m.pausedUntil).map((m) => `${m.name} ${m.pauseReason === 'limit' ? 'paused by limit' : 'outside send window'} until ${m.pausedUntil}${m.pauseDetail ? ` (${m.pauseDetail})` : ''}`);
}

/** What the health plugin needs. */
export type HealthRoutesOptions = Pick<GatewayParts, 'queue' | 'modems'> & { guards: RequestGuards };

/** Liveness, readiness and queue depth, and the OpenAPI document: a fastify plugin open to anyone, without a token. */
export async function healthRoutes(app: FastifyInstance, { queue, modems, guards }: HealthRoutesOptions): Promise<void> {
  declareAccess(app, guards, publicRoutes());
  const started = Date.now();

  app.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        operationId: 'getHealth',
        summary: 'Liveness (always 200 while the process answers; status "degraded" when the store cannot write), queue depth, modem state',
        response: {
          200: {
            type: 'object',
            properties: {
              status: { type: 'string', enum: ['ok', 'degraded'] },
              uptimeSeconds: { type: 'integer' },
              queues: { type: 'object', additionalProperties: { type: 'object', additionalProperties: { type: 'integer' } } },
              modems: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    name: { type: 'string' },
                    state: { type: 'string' },
                    signalDbm: { type: 'number' },
                    registration: { type: 'string' },
                    operator: { type: 'string' },
                    model: { type: 'string' },
                    lastError: { type: 'string' },
                    pauseReason: { type: 'string', enum: ['limit', 'window'], description: 'pacing holds the modem: a cap is reached, or outside its sending hours' },
                    pausedUntil: { type: 'string', description: 'ISO 8601: when it may send again' },
                    pauseDetail: { type: 'string', description: 'which cap or window' },
                    recovery: { type: 'string', description: 'the healing step in progress while the modem does not answer: reopen, reboot, usb-rebind, failed' },
                    updatedAt: { type: 'string' },
                  },
                },
              },
              store: storeSchema,
            },
          },
        },
      },
    },
    async () => {
      // fromEntries defines own properties: a queue name can never reach a prototype.
      const queues = Object.fromEntries(queue.queueNames.map((name) => [name, queue.counts(name)]));
      const s = { ...queue.sizes(), ...queue.health() };
      // Liveness stays 200: restarting a process because its disk is full fixes nothing.
      return { status: s.writable ? 'ok' : 'degraded', uptimeSeconds: Math.floor((Date.now() - started) / 1000), queues, modems: modems.all(), store: s };
    },
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        operationId: 'getReadiness',
        summary: 'Readiness: 200 when new sends are taken and, if modems are configured, one of them is ready; 503 with the reasons while the store cannot write or keeps its free-space reserve, or no modem can send',
        response: {
          200: { type: 'object', properties: { status: { type: 'string', enum: ['ready'] }, store: storeSchema, modems: pausedSchema } },
          503: { type: 'object', properties: { status: { type: 'string', enum: ['not ready'] }, reasons: { type: 'array', items: { type: 'string' } }, store: storeSchema, modems: pausedSchema } },
        },
      },
    },
    async (_req, reply) => {
      const s = queue.health();
      const reasons = [...notReadyReasons(s), ...modemNotReadyReasons(modems.all())];
      const paused = modemPauseDetail(modems.all());
      const detail = paused.length ? { modems: paused } : {};
      if (reasons.length) return reply.status(503).header('retry-after', '10').send({ status: 'not ready', reasons, store: s, ...detail });
      return { status: 'ready', store: s, ...detail };
    },
  );

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
