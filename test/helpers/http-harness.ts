import type { FastifyInstance } from 'fastify';
import { parseConfig, type Config } from '../../src/config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { gatewayParts } from '../../src/gateway/gateway-parts.js';
import { buildApp } from '../../src/http/app.js';
import { FileQueue } from '../../src/queue/file-queue.js';
import { FileStore } from '../../src/queue/store/file-store.js';
import { makeTmpDir } from './tmp-dir.js';

/** The queue server (no modem) over a real store in a temporary directory, for inject() tests. */
export interface HttpHarness {
  app: FastifyInstance;
  gateway: Gateway<FileQueue>;
  config: Config;
  close(): Promise<void>;
}

/** Builds the app from a raw config (validated like the real one). */
export async function startHttp(rawConfig: Record<string, unknown> = {}): Promise<HttpHarness> {
  const tmp = await makeTmpDir();
  const config = parseConfig(rawConfig);
  const store = await FileStore.open(tmp.dir);
  const queue = await FileQueue.open({ store, queues: config.queues, sweepIntervalMs: 0 });
  const gateway = new Gateway(gatewayParts(queue, { maxParts: config.maxParts, ...(config.defaultRegion && { defaultRegion: config.defaultRegion }) }));
  const app = await buildApp({ parts: gateway.parts, config });
  await app.ready();
  return {
    app,
    gateway,
    config,
    async close() {
      await app.close();
      await queue.close();
      await store.close();
      await tmp.cleanup();
    },
  };
}
