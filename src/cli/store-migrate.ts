import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseConfig } from '../config.js';
import { isKatarError } from '../errors.js';
import { isOwnBuiltinWorker } from '../gateway/gateway-id.js';
import { openDataDirSource } from '../queue/migrate/data-dir-source.js';
import { MigrationRefused, migrateStore, type MigrateReport } from '../queue/migrate/migrate-store.js';
import { DbClock } from '../queue/postgres/db-clock.js';
import { migrate } from '../queue/postgres/migrations.js';
import { Database } from '../queue/postgres/pg-pool.js';
import { TASK_STATUSES } from '../queue/task.js';
import { lockDataDir, type DataDirLock } from '../queue/store/data-dir-lock.js';
import { hasStore } from '../queue/store/store-loader.js';
import { EXIT, UsageError, parse } from './args.js';
import { readCommandConfig } from './config-source.js';
import type { CliIo } from './io.js';

const URL_RE = /^postgres(ql)?:\/\//;
const ENV_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The url as it may be printed: without its password. */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the database';
  }
}

function targetUrl(to: string | undefined, toEnv: string | undefined, env: CliIo['env']): { url: string; from: string } {
  if ((to === undefined) === (toEnv === undefined)) throw new UsageError(to === undefined ? '--to URL or --to-env VAR is required' : '--to and --to-env exclude each other');
  if (toEnv !== undefined && !ENV_RE.test(toEnv)) throw new UsageError(`--to-env ${JSON.stringify(toEnv)} must be the name of an environment variable`);
  const url = to ?? env[toEnv!];
  if (!url) throw new UsageError(`--to-env ${toEnv}: the variable is not set in the environment`);
  const what = to !== undefined ? '--to' : `--to-env ${toEnv}: the variable`;
  let ok = URL_RE.test(url);
  try {
    new URL(url);
  } catch {
    ok = false;
  }
  // The value is never echoed: it may hold the password.
  if (!ok) throw new UsageError(`${what} must be a postgres:// url (postgres://user:password@host:5432/database)`);
  return { url, from: toEnv ?? 'url' };
}

function table(r: MigrateReport): string {
  const rows: Array<[string, number, number]> = [
    ...TASK_STATUSES.map((s): [string, number, number] => [`${s} tasks`, r.expected.tasks[s], r.copied.tasks[s]]),
    ['idempotency keys', r.expected.idempotencyKeys, r.copied.idempotencyKeys],
    ['tasks with sent parts', r.expected.sentParts, r.copied.sentParts],
    ['received SMS', r.expected.inbox, r.copied.inbox],
    ['dedupe keys', r.expected.dedupKeys, r.copied.dedupKeys],
    ['events', r.expected.events, r.copied.events],
    ['last event id', r.expected.lastEventId, r.copied.lastEventId],
    ['subscription cursors', r.expected.subscriptions, r.copied.subscriptions],
    ['dead letters', r.expected.deadLetters, r.copied.deadLetters],
    ['dropped dead letters', r.expected.droppedLetters, r.copied.droppedLetters],
  ];
  const w = Math.max(...rows.map((x) => x[0].length));
  return [`  ${'kind'.padEnd(w)}  data dir  database`, ...rows.map(([k, a, b]) => `  ${k.padEnd(w)}  ${String(a).padStart(8)}  ${String(b).padStart(8)}`)].join('\n') + '\n';
}

function restartLines(r: MigrateReport): string {
  const t = r.restart;
  const lines: string[] = [];
  if (t.requeued || t.failedUnknown) {
    lines.push(`leases of this gateway's own modem workers ended, as its restart ends them: ${t.requeued} task(s) back in the queue, ${t.failedUnknown} failed as "outcome unknown" (${r.eventsAdded} sms.failed event(s) added)`);
  }
  if (t.kept) lines.push(`leases of other workers kept: ${t.kept} (they may still report; each lease runs its full length again from now)`);
  if (t.unconfigured) lines.push(`live tasks of queues the config does not name, copied as they are: ${t.unconfigured}`);
  return lines.map((l) => `${l}\n`).join('');
}

function nextSteps(dir: string, urlFrom: string): string {
  const store = urlFrom === 'url' ? '{ "kind": "postgres", "urlEnv": "KATAR_DATABASE_URL" }' : `{ "kind": "postgres", "urlEnv": "${urlFrom}" }`;
  return `next:
  1. set "store" in the config of this gateway: "store": ${store}
     (with the url in that environment variable, e.g. in /etc/katar-sms/env), or "url"
  2. start the gateway: it opens the queue in PostgreSQL
${dir} was not changed: keep it as a backup. The gateway keeps using it for its id,
modem identities and pacing counters; its queue files there are no longer read.
`;
}

async function lockSource(dir: string, io: CliIo): Promise<DataDirLock | undefined> {
  try {
    return await lockDataDir(dir);
  } catch (err) {
    if (!isKatarError(err) || err.code !== 'DATA_DIR_LOCKED') throw err;
    io.err(`katar-sms store migrate: ${err.message.replace(/; stop it or choose another --data-dir$/, '')}: stop the gateway before migrating its queue\n`);
    return undefined;
  }
}

/** `katar-sms store migrate`: copies a stopped gateway's queue from its data directory into PostgreSQL. */
export async function storeMigrate(argv: string[], io: CliIo): Promise<number> {
  const v = parse(argv, { from: { type: 'string' }, to: { type: 'string' }, 'to-env': { type: 'string' }, config: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  const target = targetUrl(v.to, v['to-env'], io.env);
  const cfgSource = await readCommandConfig(v.config, io.env);
  if (cfgSource.kind === 'unreadable') io.err(`katar-sms store migrate: ${cfgSource.path}: ${cfgSource.reason}; using the default queue settings (name the config with --config)\n`);
  const config = cfgSource.kind === 'loaded' ? cfgSource.config : parseConfig({});
  // As `store check`: $KATAR_DATA_DIR first (the installed command sets it), then the config's.
  const dir = v.from ?? (io.env.KATAR_DATA_DIR || config.dataDir);
  if (!(await stat(dir).catch(() => undefined))?.isDirectory()) throw new UsageError(`--from ${dir} is not a directory`);
  if (!(await hasStore(dir))) throw new UsageError(`--from ${dir} holds no queue of the file store (no manifest.json, commit.slots, journal, history.jsonl or inbox.jsonl in it)`);
  const lock = await lockSource(dir, io);
  if (!lock) return EXIT.CONFIG;
  let db: Database | undefined;
  let clock: DbClock | undefined;
  const started = performance.now();
  try {
    const source = await openDataDirSource(dir);
    const gatewayId = config.gatewayId ?? source.gatewayId;
    // Without a gateway id, the file queue's own default: any built-in worker was this gateway's.
    const isLocalWorker = gatewayId !== undefined ? (w: string) => isOwnBuiltinWorker(w, gatewayId) : (w: string) => w.startsWith('builtin:');
    // One long transaction by design: big statements over a slow link, file reads between them.
    db = new Database({ url: target.url, size: 1, applicationName: 'katar-sms store migrate', answerTimeoutMs: 0, idleInTransactionMs: 0 });
    try {
      await migrate(db);
      clock = await DbClock.open(db, 0);
    } catch (err) {
      io.err(`katar-sms store migrate: ${shownUrl(target.url)}: ${isKatarError(err, 'STORE_UNAVAILABLE') ? err.message : `the database refused: ${(err as Error).message}`}\n`);
      return EXIT.FAILURE;
    }
    const report = await migrateStore({ source, db, clock, settings: new Map(Object.entries(config.queues)), isLocalWorker });
    const to = shownUrl(target.url);
    const took = performance.now() - started;
    if (v.json) io.out(`${JSON.stringify({ from: resolve(dir), to, ...report, totalMs: Math.round(took) }, null, 2)}\n`);
    else io.out(`copied ${resolve(dir)} to ${to} in ${took < 1000 ? `${Math.round(took)} ms` : `${(took / 1000).toFixed(1)} s`}\n${table(report)}${restartLines(report)}${nextSteps(resolve(dir), target.from)}`);
    return EXIT.OK;
  } catch (err) {
    if (err instanceof MigrationRefused) {
      io.err(`katar-sms store migrate: ${err.message}\n`);
      return EXIT.FAILURE;
    }
    if (isKatarError(err, 'STORE_UNAVAILABLE')) {
      // Lost on COMMIT, the copy may have committed: a second run tells (it refuses a database that holds it).
      const doubt = (err.details as { commitInDoubt?: boolean } | undefined)?.commitInDoubt === true;
      io.err(`katar-sms store migrate: ${shownUrl(target.url)}: ${err.message}; ${doubt ? 'the connection was lost on COMMIT, so the copy may have been written: run the same command again, it refuses a database that holds it' : 'nothing was written'}\n`);
      return EXIT.FAILURE;
    }
    throw err;
  } finally {
    clock?.close();
    await db?.close();
    await lock.release();
  }
}
