import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DASHBOARD_HEADERS, dashboardDir, NOT_BUILT } from '../../src/http/routes/dashboard.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { dashboardApp, type DashboardApp } from './dashboard-harness.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** An app whose dashboard is `files` (relative path -> content) in a directory of its own; none: not built. */
async function withDashboard(files?: Record<string, string>): Promise<DashboardApp> {
  const tmp = await makeTmpDir();
  cleanups.push(tmp.cleanup);
  const dir = join(tmp.dir, 'dashboard');
  for (const [rel, text] of Object.entries(files ?? {})) {
    await mkdir(join(dir, rel, '..'), { recursive: true });
    await writeFile(join(dir, rel), text);
  }
  const h = await dashboardApp(join(tmp.dir, 'data'), { deps: { dashboardDir: dir } });
  cleanups.push(() => h.close());
  return h;
}

const FILES = {
  'index.html': '<!doctype html><title>katar-sms</title><script type="module" src="/assets/app-4F2KQ7ZC.js"></script>',
  'assets/app-4F2KQ7ZC.js': 'console.log("app")',
  'assets/app-4F2KQ7ZC.css': 'body{}',
  'assets/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
};

describe('dashboard files', () => {
  it('GET / serves index.html, public, not cached, with the security headers', async () => {
    const h = await withDashboard(FILES);
    const res = await h.app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.body).toBe(FILES['index.html']);
    for (const [k, v] of Object.entries(DASHBOARD_HEADERS)) expect(res.headers[k]).toBe(v);
    expect(res.headers['content-security-policy']).toBe("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });

  it('GET /assets/* serves the files: hashed names cached for a year, others revalidated', async () => {
    const h = await withDashboard(FILES);
    const js = await h.app.inject({ method: 'GET', url: '/assets/app-4F2KQ7ZC.js' });
    expect(js.statusCode).toBe(200);
    expect(js.body).toBe(FILES['assets/app-4F2KQ7ZC.js']);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.headers['content-security-policy']).toBe(DASHBOARD_HEADERS['content-security-policy']);
    const css = await h.app.inject({ method: 'GET', url: '/assets/app-4F2KQ7ZC.css' });
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    const svg = await h.app.inject({ method: 'GET', url: '/assets/logo.svg' });
    expect(svg.headers['cache-control']).toBe('no-cache');
    expect((await h.app.inject({ method: 'GET', url: '/assets/missing-00000000.js' })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: '/assets/../index.html' })).statusCode).not.toBe(200);
  });

  it('not built: GET / answers 503 saying how to build it; a build made later is served without a restart', async () => {
    const tmp = await makeTmpDir();
    cleanups.push(tmp.cleanup);
    const dir = join(tmp.dir, 'dashboard');
    const h = await dashboardApp(join(tmp.dir, 'data'), { deps: { dashboardDir: dir } });
    cleanups.push(() => h.close());
    const res = await h.app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body.trim()).toBe(NOT_BUILT);
    expect(NOT_BUILT).toBe('the dashboard is not built: run npm run build');
    expect((await h.app.inject({ method: 'GET', url: '/assets/app-4F2KQ7ZC.js' })).statusCode).toBe(404);
    await mkdir(join(dir, 'assets'), { recursive: true });
    for (const [rel, text] of Object.entries(FILES)) await writeFile(join(dir, rel), text);
    expect((await h.app.inject({ method: 'GET', url: '/' })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/assets/app-4F2KQ7ZC.js' })).body).toBe(FILES['assets/app-4F2KQ7ZC.js']);
  });

  it('keeps /docs, /openapi.json and the API as they are, without the dashboard headers', async () => {
    const h = await withDashboard(FILES);
    const doc = await h.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(doc.statusCode).toBe(200);
    expect(doc.headers['content-security-policy']).toBeUndefined();
    expect(JSON.stringify(doc.json().paths)).not.toContain('/assets');
    expect((await h.app.inject({ method: 'GET', url: '/docs/' })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('finds dist/dashboard of the package', () => {
    expect(dashboardDir()).toMatch(/\/dist\/dashboard$/);
  });
});
