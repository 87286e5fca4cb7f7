import { readFileSync } from 'node:fs';

let cached: string | undefined;

/**
 * The version of package.json, found from this file whether it runs from src/ (tests)
 * or from dist/src/ (the built CLI); `unknown` if neither holds katar-sms's package.json.
 */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  cached = 'unknown';
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'katar-sms' && pkg.version) {
        cached = pkg.version;
        break;
      }
    } catch {
      // not here: try the next place
    }
  }
  return cached;
}
