import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/*
 * The ladder (README, "Architecture"), enforced with ESLint's own `no-restricted-imports`
 * on static imports and re-exports. Flat config does not merge one rule's options across
 * config objects, so every place named below gets one object holding everything that
 * applies to it, the most specific place last.
 */

/** Folders of src/ a layer must never reach; the worker is the only bridge. */
const LAYERS = [
  { files: 'src/queue/**', forbid: ['modem', 'http', 'worker', 'protocol'], why: 'the queue never imports the modem, HTTP, the worker or the wire protocol' },
  { files: 'src/modem/**', forbid: ['queue', 'http', 'worker', 'protocol'], why: 'the modem never imports the queue, HTTP, the worker or the wire protocol' },
  { files: 'src/events/**', forbid: ['modem', 'http', 'worker'], why: 'event delivery (webhooks) never imports the modem, HTTP or the worker' },
  { files: 'src/mqtt/**', forbid: ['modem', 'http', 'worker'], why: 'the MQTT bridge never imports the modem, HTTP or the worker' },
  // The katar wire format, shared by http/ (the server) and worker/ (the remote client). `only`: the
  // sole files of src/ it may import (from src/, without `.js`).
  { files: 'src/protocol/**', forbid: [], only: ['errors', 'queue/task'], why: 'the wire protocol imports only errors.ts and the task model (src/queue/task.ts), never HTTP or the worker' },
  // Browser code, bundled on its own (scripts/build-dashboard.mjs): a client of the HTTP API like any other.
  { files: 'src/dashboard/**', forbid: [], only: [], why: 'the dashboard (browser code) imports nothing of the rest of src/: it talks to the gateway through the HTTP API only' },
];

/** The only places that pick drivers: the core never imports a specific driver. */
const COMPOSITION = ['src/modem-workers.ts', 'src/cli/**'];

/** Each third-party package and the one place that imports it (`types`: `import type` also allowed there). */
const PACKAGES = [
  // api-docs.ts builds the app of /docs (swagger-ui) on its first request.
  { name: 'fastify', regex: '^fastify(/|$)', owners: ['src/http/app.ts', 'src/http/api-docs.ts'], types: ['src/http/**'] },
  { name: '@fastify/*', regex: '^@fastify/', owners: ['src/http/app.ts', 'src/http/api-docs.ts'] },
  { name: 'serialport', regex: '^(serialport|@serialport/[^/]+)(/|$)', owners: ['src/modem/serial-port.ts'] },
  { name: 'lowdb', regex: '^lowdb(/|$)', owners: ['src/queue/store/**'] },
  { name: 'pino', regex: '^pino(/|$)', owners: ['src/log.ts'] },
  { name: 'pino-pretty', regex: '^pino-pretty(/|$)', owners: ['src/log.ts'] },
  { name: 'node-cron', regex: '^node-cron(/|$)', owners: ['src/queue/housekeeping.ts'] },
  { name: 'libphonenumber-js', regex: '^libphonenumber-js(/|$)', owners: ['src/gateway/message-rules.ts'] },
  { name: 'systemd-notify', regex: '^systemd-notify(/|$)', owners: ['src/service/notify-transport.ts'] },
  { name: 'mqtt', regex: '^mqtt(/|$)', owners: ['src/mqtt/mqtt-client.ts'] },
  { name: 'pg', regex: '^pg(/|$)', owners: ['src/queue/postgres/pg-pool.ts'] },
  { name: 'preact', regex: '^preact(/|$)', owners: ['src/dashboard/**'] },
];

/** Imports the ladder forbids that the tree still has; delete a line once its import has moved. */
const KNOWN_EXCEPTIONS = [];

/** True when the place (a file or `folder/**`) lies inside `area`. */
const within = (place, area) => place === area || (area.endsWith('/**') && `${place}/`.startsWith(area.slice(0, -2)));

/** A relative import that climbs (`../`, optionally through `src/`) into the folder `folder` of src/. */
const into = (folder) => `(^|/)\\.\\./(src/)?${folder}(/|$)`;

/** Any bare specifier that is neither a Node built-in nor a package listed above. */
const UNLISTED = `^(?!node:|\\.|${PACKAGES.map((p) => `(?:${p.regex.slice(1)})`).join('|')})`;

function restrictionsFor(place) {
  const patterns = [];
  for (const layer of LAYERS) {
    if (!within(place, layer.files)) continue;
    for (const folder of layer.forbid) patterns.push({ regex: into(folder), message: `${layer.why} (README, Architecture).` });
    // The folder is flat: every import of the rest of src/ starts with exactly one `../`.
    if (layer.only) patterns.push({ regex: `^\\.\\./(?!(${layer.only.join('|')})\\.js$)`, message: `${layer.why} (README, Architecture).` });
  }
  if (!COMPOSITION.some((c) => within(place, c))) {
    patterns.push({ regex: into('drivers'), message: `only ${COMPOSITION.join(' and ')} import drivers/.` });
  }
  for (const p of PACKAGES) {
    const excepted = KNOWN_EXCEPTIONS.filter((e) => e.package === p.name && within(place, e.file));
    if (p.owners.some((o) => within(place, o)) || excepted.some((e) => !e.typesOnly)) continue;
    const types = (p.types ?? []).some((t) => within(place, t)) || excepted.length > 0;
    const where = [...p.owners, ...(p.types ?? []).map((t) => `${t} (types)`)].join(', ');
    patterns.push({ regex: p.regex, message: `${p.name} is imported only in ${where}.`, ...(types ? { allowTypeImports: true } : {}) });
  }
  patterns.push({ regex: UNLISTED, message: 'a third-party package is imported in one place: name it in PACKAGES in eslint.config.js.' });
  return ['error', { patterns }];
}

const places = [
  'src/**',
  ...LAYERS.map((l) => l.files),
  ...COMPOSITION,
  ...PACKAGES.flatMap((p) => [...p.owners, ...(p.types ?? [])]),
  ...KNOWN_EXCEPTIONS.map((e) => e.file),
];
const specificity = (place) => place.replace(/\/\*\*$/, '').length + (place.endsWith('/**') ? 0 : 0.5);
const ladder = [...new Set(places)]
  .sort((a, b) => specificity(a) - specificity(b))
  .map((place) => ({ files: [place], rules: { 'no-restricted-imports': restrictionsFor(place) } }));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', performance: 'readonly', fetch: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  ...ladder,
  {
    files: ['src/dashboard/**'],
    languageOptions: {
      globals: { window: 'readonly', document: 'readonly', location: 'readonly', localStorage: 'readonly', EventSource: 'readonly', MessageEvent: 'readonly', URLSearchParams: 'readonly', HTMLElement: 'readonly', Event: 'readonly', EventListener: 'readonly' },
    },
  },
  {
    // Drivers are data on top of src/modem/: no other layer, no package of their own.
    files: ['drivers/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: '^(?!\\.)', message: 'drivers import only src/modem/ (and each other).' },
          { regex: '(^|/)(src/(?!modem/)|test/|bench/|scripts/|deploy/)', message: 'drivers import only src/modem/ (and each other).' },
        ],
      }],
    },
  },
);
