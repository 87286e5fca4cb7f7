import { postgresBinDir, startCluster, type Cluster } from '../../scripts/pg-cluster.mjs';

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

/** A PostgreSQL cluster of one test file's own, which it may stop and start (the run's shared one must stay up): scripts/pg-cluster.mjs. */
export type PrivateCluster = Cluster;

export { postgresBinDir };

/**
 * A cluster of the caller's own (scripts/pg-cluster.mjs: initdb in a temporary directory
 * as an unprivileged user, trust authentication, a free port of 127.0.0.1, fsync on),
 * sized for a test file, or for the whole run. `{ reason }` when PostgreSQL is not installed.
 */
export async function startPrivateCluster(size: { maxConnections: number; sharedBuffers: string } = { maxConnections: 60, sharedBuffers: '16MB' }): Promise<PrivateCluster | { reason: string }> {
  if (!postgresBinDir()) return { reason: 'PostgreSQL is not installed (apt-get install postgresql)' };
  return startCluster({ max_connections: String(size.maxConnections), shared_buffers: size.sharedBuffers });
}
