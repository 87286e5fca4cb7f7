// A throwaway PostgreSQL cluster for the benchmarks, set up as the tests' one
// (test/setup/postgres.ts, test/helpers/postgres.ts, which a .mjs cannot import): initdb
// in a temporary directory as an unprivileged user when run as root (initdb and postgres
// refuse root), trust authentication, a free port of 127.0.0.1, fsync and
// synchronous_commit on (durability is what the queue promises). Stopped and removed by
// `stop`.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
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
function clusterUser() {
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
 * Starts a cluster; `settings` are extra `-c` options (e.g. `{ shared_buffers: '128MB' }`).
 * Resolves with its superuser url (database `postgres`), the url of another database
 * (`urlOf(name)`), and `stop()`.
 */
export async function startCluster(settings = {}) {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed (apt-get install postgresql)');
  const dir = mkdtempSync(join(tmpdir(), 'katar-bench-postgres-'));
  const data = join(dir, 'data');
  const env = { ...process.env, HOME: dir, LC_ALL: 'C', TZ: 'UTC' };
  const user = clusterUser();
  if (user) chownSync(dir, user.uid, user.gid);
  chmodSync(dir, 0o700);
  const port = await freePort();
  const all = { listen_addresses: '127.0.0.1', fsync: 'on', synchronous_commit: 'on', max_connections: '200', shared_buffers: '128MB', ...settings };
  const opts = [`-p ${port}`, `-k ${dir}`, ...Object.entries(all).map(([k, v]) => `-c ${k}=${v}`)].join(' ');
  let started = false;
  const stop = async () => {
    if (started) await run(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'fast', '-w'], user, env).catch(() => undefined);
    started = false;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-instructions', '--no-sync'], user, env);
    await run(join(bin, 'pg_ctl'), ['start', '-D', data, '-w', '-t', '30', '-l', join(dir, 'postgres.log'), '-o', opts], user, env);
    started = true;
  } catch (err) {
    await stop();
    throw err;
  }
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const urlOf = (name) => {
    const u = new URL(url);
    u.pathname = `/${name}`;
    return u.toString();
  };
  return { url, urlOf, dir, stop };
}
