import { execFileSync } from 'node:child_process';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort } from '../helpers/mosquitto.js';
import { postgresBinDir, run } from '../helpers/postgres.js';

/** The throwaway PostgreSQL cluster of a test run, handed to the tests with inject('postgres'). */
export interface ProvidedPostgres {
  /** A superuser url of database `postgres`; undefined when no cluster could start (the tests skip, saying why). */
  url?: string;
  reason?: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: ProvidedPostgres;
  }
}

/** The unprivileged user the cluster runs as: initdb and postgres refuse to run as root. */
const CLUSTER_USER = 'katar-test';

/** uid and gid of the cluster's user, created when missing (we may run as root in CI). */
function clusterUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const idOf = (flag: string): number => Number(execFileSync('id', [flag, CLUSTER_USER], { encoding: 'utf8' }).trim());
  try {
    return { uid: idOf('-u'), gid: idOf('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', CLUSTER_USER], { stdio: 'ignore' });
    return { uid: idOf('-u'), gid: idOf('-g') };
  }
}

/**
 * One PostgreSQL cluster for the whole run: initdb in a temporary directory as an
 * unprivileged user, trust authentication, listening on a free port of 127.0.0.1 and
 * on a socket in that directory, fsync on (durability is what the queue promises).
 * Each test makes its own database in it. Stopped and removed at the end.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const bin = postgresBinDir();
  if (!bin) {
    project.provide('postgres', { reason: 'PostgreSQL is not installed (apt-get install postgresql)' });
    return async () => undefined;
  }
  const dir = await mkdtemp(join(tmpdir(), 'katar-postgres-'));
  const data = join(dir, 'data');
  const env = { ...process.env, HOME: dir, LC_ALL: 'C', TZ: 'UTC' };
  let user: { uid: number; gid: number } | undefined;
  let started = false;
  const stop = async (): Promise<void> => {
    if (started) await run(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'fast', '-w'], user, env).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    user = clusterUser();
    if (user) await chown(dir, user.uid, user.gid);
    await chmod(dir, 0o700);
    await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-instructions'], user, env);
    const port = await freePort();
    const opts = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=on -c synchronous_commit=on -c max_connections=200 -c shared_buffers=32MB`;
    await run(join(bin, 'pg_ctl'), ['start', '-D', data, '-w', '-t', '30', '-l', join(dir, 'postgres.log'), '-o', opts], user, env);
    started = true;
    project.provide('postgres', { url: `postgres://postgres@127.0.0.1:${port}/postgres` });
    return stop;
  } catch (err) {
    project.provide('postgres', { reason: `PostgreSQL did not start: ${(err as Error).message}` });
    await stop();
    return async () => undefined;
  }
}
