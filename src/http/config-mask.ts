/** What a masked value reads. */
export const MASK = '********';

/**
 * Keys whose values are secrets, by the end of their name: token, secret, password,
 * passphrase, pin, apiKey, privateKey, credential(s). Matched on the last word, so
 * `tokens` (the list) is walked into while each `token` in it is masked.
 */
const SECRET_KEY = /(token|secret|password|passwd|passphrase|pin|api_?key|private_?key|credentials?)$/i;

/** True when a config key holds a secret (see SECRET_KEY). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * A URL with its user name, password and query values masked (a query string may carry
 * a token); other strings as they are.
 */
function maskUrl(text: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return text;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text;
  }
  let changed = false;
  if (url.username) {
    url.username = MASK;
    changed = true;
  }
  if (url.password) {
    url.password = MASK;
    changed = true;
  }
  for (const key of [...url.searchParams.keys()]) {
    url.searchParams.set(key, MASK);
    changed = true;
  }
  return changed ? url.toString() : text;
}

/**
 * A deep copy of a config with every secret masked, for showing it (GET /v1/system): the
 * value of every key that names a secret (isSecretKey), whatever its type, and the user
 * information and query values of every URL anywhere. Walks everything, so a secret
 * added to the config later is masked as long as its key says what it is.
 */
export function maskConfig(value: unknown, key = ''): unknown {
  if (key && isSecretKey(key) && (typeof value !== 'object' || value === null)) return value === undefined || value === null || value === '' ? value : MASK;
  if (Array.isArray(value)) return value.map((v) => maskConfig(v));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = key && isSecretKey(key) ? MASK : maskConfig(v, k);
    return out;
  }
  if (typeof value === 'string') return maskUrl(value);
  return value;
}
