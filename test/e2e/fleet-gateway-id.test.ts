import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { isOwnBuiltinWorker } from '../../src/gateway/gateway-id.js';
import { openPgQueue } from '../../src/queue/postgres/open-pg-queue.js';
import { runCli } from '../helpers/child-gateway.js';
import { captureLogger } from '../helpers/memory-event-log.js';
import { freshDatabase } from '../helpers/postgres.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

/**
 * `katar-sms serve` on a fleet's database under the gateway id of a box that runs (a
 * cloned SD card, a copied config): it waits store.presenceTtlMs for that box's claim to
 * run out, then stops with one line naming gatewayId and what to do, exit 78 (bad
 * configuration), no stack trace; the running box's send in flight is untouched.
 */
const provided = inject('postgres');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

describe.skipIf(!provided.url)(`serve under a gateway id another box runs${provided.url ? '' : ` (skipped: ${provided.reason})`}`, () => {
  it('exits 78 with one line naming gatewayId, and the running box keeps its lease', async () => {
    const db = await freshDatabase(provided.url!);
    cleanups.push(() => db.drop());
    const tmp = await makeTmpDir();
    cleanups.push(tmp.cleanup);
    const queues = parseConfig({}).queues;
    const running = await openPgQueue({ dataDir: join(tmp.dir, 'a'), url: db.url, poolSize: 2, queues, isLocalWorker: (w) => isOwnBuiltinWorker(w, 'pi-kitchen'), presence: { gatewayId: 'pi-kitchen', ttlMs: 60_000, logger: captureLogger().logger } });
    cleanups.push(() => running.close());
    await running.add('sms', [{ data: { to: '+61404341143', msg: 'in flight' }, parts: 1 }]);
    const [leased] = await running.lease('sms', 'builtin:pi-kitchen:modem0', 1);

    const config = join(tmp.dir, 'clone.json');
    await writeFile(config, JSON.stringify({ gatewayId: 'pi-kitchen', store: { kind: 'postgres', urlEnv: 'KATAR_TEST_DATABASE_URL', presenceTtlMs: 1000 } }));
    const r = await runCli(['serve', '--config', config, '--port', '0', '--data-dir', join(tmp.dir, 'clone'), '--modem', 'none', '--log-format', 'json'], { KATAR_TEST_DATABASE_URL: db.url });
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/^katar-sms serve: config: gatewayId pi-kitchen is in use by another running box of the fleet \(.+\); each box needs its own: set gatewayId in this box's config, or delete gateway\.json in its data directory \(a cloned SD card\) to make a new one\n$/);
    expect(r.stdout + r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stdout).toContain('is held by another box');
    expect(await running.get('sms', leased!._id)).toMatchObject({ status: 'in progress', lease: { worker: 'builtin:pi-kitchen:modem0' } });
  });
});
