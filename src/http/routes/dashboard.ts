import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { RequestGuards } from '../request-guards.js';
import { declareAccess, publicRoutes } from '../route-access.js';
import { assetFiles } from './asset-files.js';

/** What the dashboard plugin needs. */
export interface DashboardRoutesOptions {
  guards: RequestGuards;
  /** The built dashboard: index.html and assets/ (default: dashboardDir()). */
  dir?: string;
}

/**
 * What every dashboard answer carries: its own scripts, styles and API only (nothing
 * from another site, no inline script), never framed, never sniffed as another type,
 * no Referer with a task id to anywhere.
 */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** A file name with a content hash (esbuild's `[name]-[hash]`): it never changes, so it may be cached for good. */
const HASHED = /-[A-Za-z0-9_]{8,}\.[a-z0-9]+$/;

/** The answer while dist/dashboard is missing. */
export const NOT_BUILT = 'the dashboard is not built: run npm run build';

/**
 * dist/dashboard of the package, found from this file whether it runs from src/ (tests)
 * or from dist/src/ (the built CLI), as package-version.ts finds package.json.
 */
export function dashboardDir(): string {
  for (const rel of ['../../../', '../../../../']) {
    const root = fileURLToPath(new URL(rel, import.meta.url));
    try {
      const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'katar-sms') return join(root, 'dist', 'dashboard');
    } catch {
      // not here: try the next place
    }
  }
  return fileURLToPath(new URL('../../../dist/dashboard', import.meta.url));
}

/**
 * The dashboard's files, public (the app asks /v1/session itself and logs in through
 * the API like any client): `GET /` the app's page, never cached so a new build shows
 * at once; `GET /assets/*` its scripts and styles, cached for a year when the name
 * carries a hash (asset-files.ts). Without a build `GET /` answers 503 saying how to build it.
 */
export async function dashboardRoutes(app: FastifyInstance, opts: DashboardRoutesOptions): Promise<void> {
  declareAccess(app, opts.guards, publicRoutes());
  const dir = opts.dir ?? dashboardDir();
  const index = join(dir, 'index.html');

  app.addHook('onSend', async (_req, reply) => {
    for (const [k, v] of Object.entries(DASHBOARD_HEADERS)) reply.header(k, v);
  });

  app.get('/', { schema: { hide: true } }, async (_req, reply) => {
    // Read on each request: small, and a rebuild shows without a restart.
    const html = await readFile(index).catch(() => undefined);
    if (html === undefined) return reply.status(503).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(`${NOT_BUILT}\n`);
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(html);
  });

  // Files are looked up per request (wildcard route): a build made after the start is
  // served without a restart; the directory need not exist yet.
  app.get('/assets/*', { schema: { hide: true } }, assetFiles({
    root: join(dir, 'assets'),
    cacheControl: (name) => (HASHED.test(name) ? 'public, max-age=31536000, immutable' : 'no-cache'),
  }));
}
