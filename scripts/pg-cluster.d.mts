// Types of pg-cluster.mjs, for the TypeScript tests that use it.

/** A throwaway cluster made by startCluster. */
export interface Cluster {
  /** A superuser url of database `postgres`; the port stays the same across restarts. */
  url: string;
  dir: string;
  urlOf(name: string): string;
  start(): Promise<void>;
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  destroy(): Promise<void>;
  log(): string;
}

export function postgresBinDir(): string | undefined;
export function clusterUser(): { uid: number; gid: number } | undefined;
export function freePort(): Promise<number>;
export function startCluster(settings?: Record<string, string>): Promise<Cluster>;
