import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startChild, type ChildGateway } from '../helpers/child-gateway.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const RECORDER = fileURLToPath(new URL('../fixtures/record-imports.mjs', import.meta.url));

/**
 * What a plain start on the file store leaves unloaded (a Pi Zero's memory): the
 * PostgreSQL client, the MQTT client, the API docs' assets, the pretty log printer. Each
 * is loaded only by the start that needs it (store.kind "postgres", an mqtt block, the
 * first /docs request, a terminal).
 */
describe('a gateway on the file store', () => {
  let gw: ChildGateway | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    gw?.proc.kill('SIGKILL');
    await gw?.exited;
    await cleanup?.();
  });

  it('does not load pg, mqtt, swagger-ui or pino-pretty until something needs them', async () => {
    const tmp = await makeTmpDir();
    cleanup = tmp.cleanup;
    const log = join(tmp.dir, 'imports.log');
    gw = await startChild(['serve', '--modem', 'none', '--port', '0', '--data-dir', join(tmp.dir, 'data')], { NODE_OPTIONS: `--import ${RECORDER}`, KATAR_IMPORT_LOG: log });
    expect((await fetch(`${gw.url}/readyz`)).status).toBe(200);
    const loaded = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
    // The recorder works: the gateway's own modules and fastify are in the list.
    expect(loaded.some((u) => u.includes('/src/start-gateway.js'))).toBe(true);
    expect(loaded.some((u) => u.includes('/node_modules/fastify/'))).toBe(true);
    const unwanted = loaded.filter((u) => /\/node_modules\/(pg|pg-pool|mqtt|@fastify\/swagger-ui|pino-pretty)\//.test(u) || u.includes('/src/queue/postgres/'));
    expect(unwanted).toEqual([]);
  });
});
