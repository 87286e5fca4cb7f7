import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import type { SmsQueue } from '../../queue/sms-queue.js';
import { packageVersion } from '../../package-version.js';
import { maskConfig } from '../config-mask.js';
import type { RequestGuards } from '../request-guards.js';
import { declareAccess, requireRoles } from '../route-access.js';
import { errorResponses, TOKEN_ERRORS } from '../schemas.js';

/** What GET /v1/system tells beside the process's own facts. */
export interface SystemFacts {
  /** The config in effect (shown with its secrets masked); `dataDir` is shown resolved when given. */
  config: Partial<Config>;
  /** When the gateway started (default: when the app was built). */
  startedAt?: Date;
}

/** What the system plugin needs. */
export interface SystemRoutesOptions {
  queue: Pick<SmsQueue, 'sizes'>;
  gatewayId: string | undefined;
  guards: RequestGuards;
  facts: SystemFacts;
}

/** About this gateway, for admin tokens only: the config shows its shape, and some of it is private (numbers, URLs). */
export async function systemRoutes(app: FastifyInstance, { queue, gatewayId, guards, facts }: SystemRoutesOptions): Promise<void> {
  declareAccess(app, guards, requireRoles(['admin']));
  const startedAt = facts.startedAt ?? new Date();
  // The config does not change while the gateway runs: masked once.
  const config = maskConfig(facts.config);
  const dataDir = facts.config.dataDir !== undefined ? resolve(facts.config.dataDir) : undefined;
  app.get(
    '/v1/system',
    {
      schema: {
        tags: ['dashboard'],
        operationId: 'getSystem',
        summary: 'Version, gateway id, uptime, Node.js version, data dir and its file sizes, and the config in effect with every secret masked',
        response: {
          200: {
            type: 'object',
            properties: {
              version: { type: 'string' },
              gatewayId: { type: 'string' },
              startedAt: { type: 'string' },
              uptimeSeconds: { type: 'integer' },
              node: { type: 'string' },
              dataDir: { type: 'string' },
              sizes: { type: 'object', additionalProperties: { type: 'integer' }, description: 'bytes per file of the store' },
              config: { type: 'object', additionalProperties: true, description: 'token values, webhook secrets, passwords, PINs and URL credentials masked as ********' },
            },
            required: ['version', 'startedAt', 'uptimeSeconds', 'node', 'sizes', 'config'],
          },
          ...errorResponses(...TOKEN_ERRORS),
        },
      },
    },
    async () => ({
      version: packageVersion(),
      ...(gatewayId !== undefined && { gatewayId }),
      startedAt: startedAt.toISOString(),
      uptimeSeconds: Math.floor((Date.now() - startedAt.getTime()) / 1000),
      node: process.version,
      ...(dataDir !== undefined && { dataDir }),
      sizes: queue.sizes(),
      config,
    }),
  );
}
