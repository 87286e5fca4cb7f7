import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's PostgreSQL binaries (package postgresql), newest version first; undefined when missing. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(root, v, 'bin')).find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
}

/** Runs `bin args` (as `user` when given), rejecting with its output when it exits non-zero. */
export function run(bin: string, args: string[], user?: { uid: number; gid: number }, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'], ...(user ?? {}) });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${bin} ${args.join(' ')} exited ${code}: ${out.trim()}`))));
  });
}

/** The url of database `name` on the cluster at `baseUrl` (its path replaced). */
export function databaseUrl(baseUrl: string, name: string): string {
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * A fresh, empty, migrated database on the run's cluster (test/setup/postgres.ts), and
 * how to drop it. Databases are copied from one migrated template, made once per file;
 * the next one is copied while a test runs, and a drop is not waited for (the cluster is
 * thrown away at the end of the run), so a test pays for neither.
 */
export async function freshDatabase(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const spare = spares.get(baseUrl);
  const next = spare ?? copyTemplate(baseUrl);
  const fresh = copyTemplate(baseUrl);
  fresh.catch(() => undefined);
  spares.set(baseUrl, fresh);
  const name = await next;
  return {
    url: databaseUrl(baseUrl, name),
    async drop() {
      void adminQuery(baseUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    },
  };
}

const spares = new Map<string, Promise<string>>();

async function adminQuery(baseUrl: string, text: string): Promise<void> {
  const { Database } = await import('../../src/queue/postgres/pg-pool.js');
  const admin = new Database({ url: baseUrl, size: 1 });
  try {
    await admin.query(text);
  } finally {
    await admin.close();
  }
}

/** A new database copied from the migrated template (made on first use). */
async function copyTemplate(baseUrl: string): Promise<string> {
  templateReady ??= (async () => {
    const { Database } = await import('../../src/queue/postgres/pg-pool.js');
    const { migrate } = await import('../../src/queue/postgres/migrations.js');
    const name = `katar_tpl_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    await adminQuery(baseUrl, `CREATE DATABASE ${name}`);
    const db = new Database({ url: databaseUrl(baseUrl, name), size: 1 });
    try {
      await migrate(db);
    } finally {
      await db.close();
    }
    return name;
  })();
  const template = await templateReady;
  const name = `katar_${Math.random().toString(36).slice(2, 12)}`;
  await adminQuery(baseUrl, `CREATE DATABASE ${name} TEMPLATE ${template}`);
  return name;
}

let templateReady: Promise<string> | undefined;

/** An empty database (no schema) on the run's cluster, and how to drop it. */
export async function emptyDatabase(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const { Database } = await import('../../src/queue/postgres/pg-pool.js');
  const name = `katar_empty_${Math.random().toString(36).slice(2, 12)}`;
  const admin = new Database({ url: baseUrl, size: 1 });
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.close();
  }
  return {
    url: databaseUrl(baseUrl, name),
    async drop() {
      const a = new Database({ url: baseUrl, size: 1 });
      try {
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.close();
      }
    },
  };
}

/** A PostgreSQL cluster of one test file's own, which it may stop and start (the run's shared one must stay up). */
export interface PrivateCluster {
  /** A superuser url of database `postgres`; the port stays the same across restarts. */
  url: string;
  /** `pg_ctl stop -m <mode>`: fast ends the sessions and checkpoints; immediate is a crash (recovery at the next start). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** `pg_ctl start`, waiting until it takes connections. */
  start(): Promise<void>;
  /** Stops (if running) and removes the directory. */
  destroy(): Promise<void>;
  /** The server's log so far (for a test's failure message). */
  log(): Promise<string>;
}

/** The unprivileged user a cluster runs as (initdb and postgres refuse root): made when missing. */
const CLUSTER_USER = 'katar-test';

/** uid and gid of the cluster's user when we run as root; undefined otherwise. */
export function clusterUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const idOf = (flag: string): number => Number(execFileSync('id', [flag, CLUSTER_USER], { encoding: 'utf8' }).trim());
  try {
    return { uid: idOf('-u'), gid: idOf('-g') };
  } catch {
    try {
      execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', CLUSTER_USER], { stdio: 'ignore' });
    } catch {
      // Another process made it meanwhile.
    }
    return { uid: idOf('-u'), gid: idOf('-g') };
  }
}

/**
 * A cluster of the caller's own, set up as the run's shared one (test/setup/postgres.ts):
 * initdb in a temporary directory, trust authentication, a free port of 127.0.0.1, fsync
 * on. `{ reason }` when PostgreSQL is not installed.
 */
export async function startPrivateCluster(size: { maxConnections: number; sharedBuffers: string } = { maxConnections: 60, sharedBuffers: '16MB' }): Promise<PrivateCluster | { reason: string }> {
  const bin = postgresBinDir();
  if (!bin) return { reason: 'PostgreSQL is not installed (apt-get install postgresql)' };
  const { freePort } = await import('./mosquitto.js');
  const dir = await mkdtemp(join(tmpdir(), 'katar-postgres-private-'));
  const data = join(dir, 'data');
  const env = { ...process.env, HOME: dir, LC_ALL: 'C', TZ: 'UTC' };
  const user = clusterUser();
  if (user) await chown(dir, user.uid, user.gid);
  await chmod(dir, 0o700);
  let running = false;
  const port = await freePort();
  const opts = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=on -c synchronous_commit=on -c max_connections=${size.maxConnections} -c shared_buffers=${size.sharedBuffers}`;
  const cluster: PrivateCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      await run(join(bin, 'pg_ctl'), ['start', '-D', data, '-w', '-t', '30', '-l', join(dir, 'postgres.log'), '-o', opts], user, env);
      running = true;
    },
    async stop(mode = 'fast') {
      await run(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', mode, '-w', '-t', '30'], user, env);
      running = false;
    },
    async destroy() {
      if (running) await cluster.stop('immediate').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
    log: () => readFile(join(dir, 'postgres.log'), 'utf8').catch((err: unknown) => `(no log: ${(err as Error).message})`),
  };
  try {
    await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-instructions', '--no-sync'], user, env);
    await cluster.start();
    return cluster;
  } catch (err) {
    await cluster.destroy();
    throw err;
  }
}
