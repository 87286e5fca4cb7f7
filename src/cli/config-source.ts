import { access, constants } from 'node:fs/promises';
import { loadConfigFile, type Config } from '../config.js';

/**
 * The gateway config a client command (status, probe, token) reads: `--config FILE`, else
 * `$KATAR_CONFIG`. The `katar-sms` wrapper that deploy/install.sh puts on the PATH sets
 * `$KATAR_CONFIG` to the service's config, so on an installed Pi the commands find the
 * service without flags.
 */
export type ConfigSource =
  | { kind: 'none' }
  | { kind: 'loaded'; path: string; fromFlag: boolean; config: Config }
  /** The file is there but this user may not read it (it holds tokens: root and the service only). */
  | { kind: 'unreadable'; path: string; reason: string };

/**
 * A file named by `--config` must be readable and valid (a KatarError CONFIG_INVALID
 * otherwise). One named by `$KATAR_CONFIG` is skipped when it does not exist, and reported
 * as unreadable rather than thrown when permissions keep it from this user, so that a
 * command that can do without it still runs.
 */
export async function readCommandConfig(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): Promise<ConfigSource> {
  if (flag !== undefined) return { kind: 'loaded', path: flag, fromFlag: true, config: await loadConfigFile(flag) };
  const path = env.KATAR_CONFIG;
  if (!path) return { kind: 'none' };
  try {
    await access(path, constants.R_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'none' };
    return { kind: 'unreadable', path, reason: code === 'EACCES' ? 'permission denied' : (err as Error).message };
  }
  return { kind: 'loaded', path, fromFlag: false, config: await loadConfigFile(path) };
}

/** Where a client on this machine reaches a gateway that listens as the config says; undefined for port 0 (an ephemeral port). */
export function localServerUrl(config: Pick<Config, 'host' | 'port'>): string | undefined {
  if (config.port === 0) return undefined;
  const host = config.host === '0.0.0.0' || config.host === '' ? '127.0.0.1' : config.host === '::' ? '[::1]' : config.host.includes(':') ? `[${config.host}]` : config.host;
  return `http://${host}:${config.port}`;
}
