import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { assetFiles } from '../../src/http/routes/asset-files.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(): Promise<ReturnType<typeof Fastify>> {
  const tmp = await makeTmpDir();
  cleanups.push(tmp.cleanup);
  const root = join(tmp.dir, 'assets');
  await mkdir(join(root, 'sub'), { recursive: true });
  await writeFile(join(root, 'app-4F2KQ7ZC.js'), 'console.log("app")');
  await writeFile(join(root, '.secret'), 'no');
  await writeFile(join(tmp.dir, 'outside.txt'), 'no');
  const app = Fastify();
  app.get('/assets/*', assetFiles({ root, cacheControl: (name) => `for ${name}` }));
  cleanups.push(() => app.close());
  return app;
}

describe('asset files', () => {
  it('streams a file with its type, size and validators; a matching condition answers 304', async () => {
    const app = await serve();
    const res = await app.inject({ url: '/assets/app-4F2KQ7ZC.js' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('console.log("app")');
    expect(res.headers).toMatchObject({ 'content-type': 'application/javascript; charset=utf-8', 'content-length': '18', 'cache-control': 'for app-4F2KQ7ZC.js' });
    const etag = res.headers.etag as string;
    expect(etag).toMatch(/^W\/"/);
    expect((await app.inject({ url: '/assets/app-4F2KQ7ZC.js', headers: { 'if-none-match': etag } })).statusCode).toBe(304);
    expect((await app.inject({ url: '/assets/app-4F2KQ7ZC.js', headers: { 'if-none-match': 'W/"other"' } })).statusCode).toBe(200);
    expect((await app.inject({ url: '/assets/app-4F2KQ7ZC.js', headers: { 'if-modified-since': res.headers['last-modified'] as string } })).statusCode).toBe(304);
    const head = await app.inject({ method: 'HEAD', url: '/assets/app-4F2KQ7ZC.js' });
    expect([head.statusCode, head.body, head.headers['content-length']]).toEqual([200, '', '18']);
  });

  it('refuses dot files and paths out of the directory; a missing file or a directory is not found', async () => {
    const app = await serve();
    for (const url of ['/assets/.secret', '/assets/..%2Foutside.txt', '/assets/sub%2F..%2F..%2Foutside.txt']) expect([url, (await app.inject({ url })).statusCode]).toEqual([url, 403]);
    expect((await app.inject({ url: '/assets/../outside.txt' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/assets/missing.js' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/assets/sub' })).statusCode).toBe(404);
  });
});
