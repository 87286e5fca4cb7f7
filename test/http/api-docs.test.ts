import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startHttp, type HttpHarness } from '../helpers/http-harness.js';

/**
 * The OpenAPI document and the interactive documentation at /docs: both open to anyone
 * (tokens configured or not), the documentation served entirely by the gateway itself,
 * since a gateway on a LAN may have no way out.
 */
let h: HttpHarness;
afterEach(async () => h?.close());

const tokens = [{ name: 'shop', token: 'producer-token-0123456789', role: 'producer' }];
const get = (url: string) => h.app.inject({ method: 'GET', url });

interface Operation {
  operationId?: string;
  responses: Record<string, unknown>;
  security?: unknown[];
}

describe('the OpenAPI document', () => {
  it('names every operation uniquely, has relative servers and the package licence', async () => {
    h = await startHttp();
    const doc = (await get('/openapi.json')).json();
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { license: string };
    expect(doc.servers).toEqual([{ url: '/' }]);
    expect(doc.info.license.name).toBe(pkg.license);
    const ops = Object.values(doc.paths as Record<string, Record<string, Operation>>).flatMap((p) => Object.values(p));
    const ids = ops.map((o) => o.operationId);
    expect(ids.every((id) => typeof id === 'string' && id !== '')).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('documents 401 and 403 on the routes that need a token, and not on the public ones', async () => {
    h = await startHttp();
    const doc = (await get('/openapi.json')).json();
    for (const url of ['/healthz', '/readyz']) expect(Object.keys(doc.paths[url].get.responses)).not.toContain('401');
    for (const [path, method] of [['/v1/queue/{queue}/send', 'post'], ['/v1/queue/{queue}', 'post'], ['/v1/queue/{queue}', 'get'], ['/metrics', 'get'], ['/v1/events', 'get']] as const) {
      expect(Object.keys(doc.paths[path][method].responses)).toEqual(expect.arrayContaining(['401', '403', '429']));
    }
    expect(Object.keys(doc.paths['/v1/queue/{queue}/send'].post.responses)).toEqual(expect.arrayContaining(['400', '404', '409', '415']));
  });

  it('has examples of a single send, a batch and a poll', async () => {
    h = await startHttp();
    const doc = (await get('/openapi.json')).json();
    const examples = (path: string) => Object.values(doc.paths[path].post.requestBody.content['application/json'].examples).map((e) => (e as { value: unknown }).value);
    expect(examples('/v1/queue/{queue}/send')).toEqual([expect.objectContaining({ to: expect.any(String), msg: expect.any(String) }), { messages: expect.any(Array) }]);
    expect(examples('/v1/queue/{queue}')).toContainEqual({});
  });

  it('each documented example is taken by its route', async () => {
    h = await startHttp();
    const doc = (await get('/openapi.json')).json();
    for (const [path, url] of [['/v1/queue/{queue}/send', '/v1/queue/sms/send'], ['/v1/queue/{queue}', '/v1/queue/sms']] as const) {
      for (const e of Object.values(doc.paths[path].post.requestBody.content['application/json'].examples) as Array<{ value: unknown }>) {
        const r = await h.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(e.value) });
        // A report of a task id this empty queue never handed out is refused by the queue, not the schema.
        expect([url, r.statusCode === 400 ? r.json() : 'taken']).toEqual([url, 'taken']);
      }
    }
  });
});

describe('/docs', () => {
  it('serves the documentation without a token, its assets from the gateway, no other site', async () => {
    h = await startHttp({ tokens });
    const page = await get('/docs');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).not.toMatch(/https?:\/\/|["'(]\/\//);
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(4);
    for (const a of assets) {
      expect(a.startsWith('/docs/')).toBe(true);
      expect([a, (await get(a)).statusCode]).toEqual([a, 200]);
    }
    const init = await get('/docs/static/swagger-initializer.js');
    expect(init.body).toContain('validatorUrl: null');
    expect((await get('/docs/json')).json()).toEqual((await get('/openapi.json')).json());
  });

  it('is not itself in the OpenAPI document, and the API still needs its token', async () => {
    h = await startHttp({ tokens });
    const doc = (await get('/openapi.json')).json();
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/docs'))).toEqual([]);
    expect((await get('/v1/queue/sms/tasks')).statusCode).toBe(401);
  });
});
