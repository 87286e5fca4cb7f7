import type { AddressInfo } from 'node:net';
import { parseConfig, type Config } from '../../src/config.js';
import { gatewayParts, type GatewayParts } from '../../src/gateway/gateway-parts.js';
import { buildApp, type AppDeps, type HttpApp } from '../../src/http/app.js';
import type { FileQueue } from '../../src/queue/file-queue.js';
import { openFileQueue } from '../../src/queue/open-file-queue.js';

/** Tokens of the dashboard tests, one per role. */
export const TOKENS = {
  producer: 'producer-token-0123456789',
  admin: 'admin-token-0123456789abcd',
  worker: 'worker-token-0123456789abc',
} as const;

export const TOKEN_CONFIG = [
  { name: 'app', token: TOKENS.producer, role: 'producer' },
  { name: 'root', token: TOKENS.admin, role: 'admin' },
  { name: 'modem-box', token: TOKENS.worker, role: 'worker' },
];

/** The app over a file queue in `dataDir`, which also keeps the session key (as startGateway passes it). */
export interface DashboardApp {
  app: HttpApp;
  queue: FileQueue;
  parts: GatewayParts<FileQueue>;
  config: Config;
  /** `http://127.0.0.1:<port>` when listening. */
  url: string;
  close(): Promise<void>;
}

/** Builds the app like startGateway does (dataDir, system facts); `listen`: on loopback, port 0. */
export async function dashboardApp(dataDir: string, opts: { rawConfig?: Record<string, unknown>; listen?: boolean; deps?: Partial<AppDeps> } = {}): Promise<DashboardApp> {
  const config = parseConfig({ tokens: TOKEN_CONFIG, rateLimit: { max: 1_000_000, windowMs: 1000 }, dataDir, ...opts.rawConfig });
  const queue = await openFileQueue({ dataDir, queues: config.queues });
  const parts = gatewayParts(queue, { maxParts: config.maxParts, ...(config.defaultRegion && { defaultRegion: config.defaultRegion }) }, 'gw-test');
  try {
    const app = await buildApp({ parts, config, dataDir, system: { config }, ...opts.deps });
    let url = '';
    if (opts.listen) {
      await app.listen({ host: '127.0.0.1', port: 0 });
      url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    } else await app.ready();
    return {
      app,
      queue,
      parts,
      config,
      url,
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

/** The `name=value` of the session cookie a login answer set, for a Cookie header. */
export function sessionCookie(setCookie: string | string[] | undefined): string {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const c = all.find((s) => s.startsWith('katar_session='));
  if (!c) throw new Error(`no session cookie in ${JSON.stringify(setCookie)}`);
  return c.split(';')[0]!;
}

/** Logs in with `token` by inject(): the Cookie header value and the CSRF token. */
export async function login(app: HttpApp, token: string): Promise<{ cookie: string; csrf: string; setCookie: string }> {
  const res = await app.inject({ method: 'POST', url: '/v1/session', payload: { token } });
  if (res.statusCode !== 200) throw new Error(`login answered ${res.statusCode}: ${res.body}`);
  const setCookie = String(res.headers['set-cookie']);
  return { cookie: sessionCookie(res.headers['set-cookie']), csrf: res.json<{ csrfToken: string }>().csrfToken, setCookie };
}
