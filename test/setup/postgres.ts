import type { TestProject } from 'vitest/node';
import { startPrivateCluster } from '../helpers/postgres.js';

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

/**
 * One PostgreSQL cluster for the whole run (test/helpers/postgres.ts startPrivateCluster:
 * initdb in a temporary directory as an unprivileged user, trust authentication, a free
 * port of 127.0.0.1 and a socket in that directory, fsync on, since durability is what
 * the queue promises). Each test makes its own database in it. Stopped and removed at the end.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  try {
    const cluster = await startPrivateCluster({ maxConnections: 200, sharedBuffers: '32MB' });
    if ('reason' in cluster) {
      project.provide('postgres', { reason: cluster.reason });
      return async () => undefined;
    }
    project.provide('postgres', { url: cluster.url });
    return () => cluster.destroy();
  } catch (err) {
    project.provide('postgres', { reason: `PostgreSQL did not start: ${(err as Error).message}` });
    return async () => undefined;
  }
}
