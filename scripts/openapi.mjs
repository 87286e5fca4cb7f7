// Writes the OpenAPI document the gateway serves at /openapi.json to a file, and with
// --lint checks it with Redocly's recommended rules (`npm run lint:openapi`). The app is
// built from dist/ (run `npm run build` first) over an empty store in a temporary
// directory, with the webhook admin routes, and never listens: the document is taken
// with inject().
//
//   node scripts/openapi.mjs [--out FILE] [--lint]
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dist = (p) => join(root, 'dist/src', p);
if (!existsSync(dist('http/app.js'))) {
  process.stderr.write('scripts/openapi.mjs: dist/ is not built; run `npm run build` first\n');
  process.exit(1);
}

const args = process.argv.slice(2);
const lint = args.includes('--lint');
const outAt = args.indexOf('--out');
const out = outAt >= 0 ? args[outAt + 1] : undefined;
if (outAt >= 0 && !out) {
  process.stderr.write('usage: node scripts/openapi.mjs [--out FILE] [--lint]\n');
  process.exit(2);
}

const { parseConfig } = await import(dist('config.js'));
const { FileStore } = await import(dist('queue/store/file-store.js'));
const { FileQueue } = await import(dist('queue/file-queue.js'));
const { gatewayParts } = await import(dist('gateway/gateway-parts.js'));
const { WebhookDispatcher } = await import(dist('events/webhook-dispatcher.js'));
const { buildApp } = await import(dist('http/app.js'));
const { createLogger } = await import(dist('log.js'));

/**
 * The warnings of the recommended rules that do not fit this API, each with its reason;
 * anything else stays a warning. Liveness and readiness take no input and no token:
 * there is no client error they could answer.
 */
const EXPECTED = {
  'operation-4xx-response': ['#/paths/~1healthz/get/responses', '#/paths/~1readyz/get/responses'],
};

function ignoreFile(file) {
  const rules = Object.entries(EXPECTED).map(([rule, at]) => `  ${rule}:\n${at.map((p) => `    - '${p}'\n`).join('')}`);
  return `${file}:\n${rules.join('')}`;
}

const dir = await mkdtemp(join(tmpdir(), 'katar-openapi-'));
let failed = false;
try {
  const config = parseConfig({});
  const store = await FileStore.open(join(dir, 'data'));
  const queue = await FileQueue.open({ store, queues: config.queues, sweepIntervalMs: 0 });
  const logger = createLogger('silent');
  const webhooks = new WebhookDispatcher({ webhooks: [], log: queue.events, progress: queue.subscriptions, logger });
  const app = await buildApp({ parts: gatewayParts(queue, { maxParts: config.maxParts }), config, webhooks });
  const doc = JSON.stringify((await app.inject({ method: 'GET', url: '/openapi.json' })).json(), null, 2);
  await app.close();
  await queue.close();
  await store.close();
  if (out) {
    await writeFile(out, `${doc}\n`);
    process.stdout.write(`wrote ${out}\n`);
  }
  if (lint) {
    // Named relative to the ignore file, which Redocly looks for in its working directory.
    await writeFile(join(dir, 'openapi.json'), doc);
    await writeFile(join(dir, '.redocly.lint-ignore.yaml'), ignoreFile('openapi.json'));
    try {
      execFileSync(process.execPath, [join(root, 'node_modules/@redocly/cli/bin/cli.js'), 'lint', '--extends', 'recommended', 'openapi.json'], { stdio: 'inherit', cwd: dir });
    } catch {
      failed = true;
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
