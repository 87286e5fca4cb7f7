import type { AddressInfo } from 'node:net';
import { parseConfig } from '../../src/config.js';
import { gatewayParts } from '../../src/gateway/gateway-parts.js';
import { buildApp, type AppDeps, type HttpApp } from '../../src/http/app.js';
import type { FileQueue } from '../../src/queue/file-queue.js';
import { openFileQueue } from '../../src/queue/open-file-queue.js';

/** The HTTP app over a real file queue, listening on loopback (port 0), without modems or webhooks. */
export interface ListeningApp {
  app: HttpApp;
  queue: FileQueue;
  url: string;
  close(): Promise<void>;
}

/**
 * The app as startGateway builds it, but with what only buildApp takes (SSE stream
 * limits), listening for real: for tests of what happens on the socket.
 */
export async function listenApp(dataDir: string, opts: { rawConfig?: Record<string, unknown>; streamLimits?: AppDeps['streamLimits'] } = {}): Promise<ListeningApp> {
  const config = parseConfig({ rateLimit: { max: 1_000_000, windowMs: 1000 }, ...opts.rawConfig });
  const queue = await openFileQueue({ dataDir, queues: config.queues });
  try {
    const app = await buildApp({ parts: gatewayParts(queue, { maxParts: config.maxParts }), config, ...(opts.streamLimits && { streamLimits: opts.streamLimits }) });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    return {
      app,
      queue,
      url: `http://127.0.0.1:${port}`,
      async close() {
        await app.close();
        await queue.close();
      },
    };
  } catch (err) {
    await queue.close();
    throw err;
  }
}
