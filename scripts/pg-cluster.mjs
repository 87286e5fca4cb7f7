// A throwaway PostgreSQL cluster, for the tests (test/helpers/postgres.ts: the run's
// shared cluster and a test file's own) and the benchmarks (bench/fleet.mjs): initdb in a
// temporary directory as an unprivileged user when run as root (initdb and postgres
// refuse root), trust authentication, a free port of 127.0.0.1 and a socket in that
// directory, fsync and synchronous_commit on (durability is what the queue promises).
// Plain JavaScript so that a .mjs benchmark can use it too; types in pg-cluster.d.mts.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLUSTER_USER = 'katar-test';

/** Debian's PostgreSQL binaries (package postgresql), newest version first; undefined when missing. */
export function postgresBinDir() {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(root, v, 'bin')).find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
}

/** uid and gid of the cluster's user when we run as root (made when missing); undefined otherwise. */
export function clusterUser() {
  if (process.getuid?.() !== 0) return undefined;
  const idOf = (flag) => Number(execFileSync('id', [flag, CLUSTER_USER], { encoding: 'utf8' }).trim());
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

function run(bin, args, user, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'], ...(user ?? {}) });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${bin} ${args.join(' ')} exited ${code}: ${out.trim()}`))));
  });
}

/** A free TCP port of 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Makes and starts a cluster; `settings` are extra `-c` options (e.g.
 * `{ shared_buffers: '32MB' }`). Resolves with its superuser url (database `postgres`),
 * `urlOf(name)` for another database, `stop(mode)` / `start()` to restart it on the same
 * port, `destroy()` and `log()`.
 */
export async function startCluster(settings = {}) {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed (apt-get install postgresql)');
  const dir = mkdtempSync(join(tmpdir(), 'katar-postgres-'));
  const data = join(dir, 'data');
  const env = { ...process.env, HOME: dir, LC_ALL: 'C', TZ: 'UTC' };
  const user = clusterUser();
  if (user) chownSync(dir, user.uid, user.gid);
  chmodSync(dir, 0o700);
  const port = await freePort();
  const all = { listen_addresses: '127.0.0.1', fsync: 'on', synchronous_commit: 'on', max_connections: '200', shared_buffers: '128MB', ...settings };
  const opts = [`-p ${port}`, `-k ${dir}`, ...Object.entries(all).map(([k, v]) => `-c ${k}=${v}`)].join(' ');
  let running = false;
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const cluster = {
    url,
    dir,
    /** The url of another database of the cluster. */
    urlOf(name) {
      const u = new URL(url);
      u.pathname = `/${name}`;
      return u.toString();
    },
    /** `pg_ctl start`, waiting until it takes connections (the port stays the same). */
    async start() {
      await run(join(bin, 'pg_ctl'), ['start', '-D', data, '-w', '-t', '30', '-l', join(dir, 'postgres.log'), '-o', opts], user, env);
      running = true;
    },
    /** `pg_ctl stop -m <mode>`: fast ends the sessions and checkpoints; immediate is a crash (recovery at the next start). */
    async stop(mode = 'fast') {
      await run(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', mode, '-w', '-t', '30'], user, env);
      running = false;
    },
    /** Stops it (if running) and removes the directory. */
    async destroy() {
      if (running) await cluster.stop('immediate').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
    /** The server's log so far (for a failure message). */
    log() {
      try {
        return readFileSync(join(dir, 'postgres.log'), 'utf8');
      } catch (err) {
        return `(no log: ${err.message})`;
      }
    },
  };
  try {
    await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-instructions', '--no-sync'], user, env);
    await cluster.start();
  } catch (err) {
    await cluster.destroy();
    throw err;
  }
  return cluster;
}
