import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { isKatarError } from '../../../src/errors.js';
import { storeUrl } from '../../../src/queue/postgres/open-pg-queue.js';

const refusal = (run: () => unknown): unknown => {
  try {
    run();
  } catch (err) {
    if (isKatarError(err, 'CONFIG_INVALID')) return err.details?.key;
    throw err;
  }
  return 'accepted';
};

describe('config: store', () => {
  it('is the file store by default', () => {
    expect(parseConfig({}).store).toEqual({ kind: 'file', reserveBytes: 16 * 1024 * 1024, poolSize: 5, presenceTtlMs: 30_000 });
  });

  it('takes a postgres url, or the environment variable that holds it, never both, never neither', () => {
    expect(parseConfig({ store: { kind: 'postgres', url: 'postgres://db/katar', poolSize: 8 } }).store).toMatchObject({ kind: 'postgres', url: 'postgres://db/katar', poolSize: 8 });
    expect(parseConfig({ store: { kind: 'postgres', urlEnv: 'KATAR_DB' } }).store).toMatchObject({ kind: 'postgres', urlEnv: 'KATAR_DB' });
    expect(refusal(() => parseConfig({ store: { kind: 'postgres' } }))).toBe('store.url');
    expect(refusal(() => parseConfig({ store: { kind: 'postgres', url: 'postgres://db/k', presenceTtlMs: 500 } }))).toBe('store.presenceTtlMs');
    expect(refusal(() => parseConfig({ store: { kind: 'postgres', url: 'postgres://db/k', urlEnv: 'X' } }))).toBe('store.urlEnv');
    expect(refusal(() => parseConfig({ store: { kind: 'postgres', url: 'http://db/k' } }))).toBe('store.url');
    expect(refusal(() => parseConfig({ store: { kind: 'mysql' } }))).toBe('store.kind');
  });

  it('reads the url from the environment at start, and says which variable is missing', () => {
    process.env.KATAR_TEST_DB_URL = 'postgres://db/katar';
    expect(storeUrl({ urlEnv: 'KATAR_TEST_DB_URL' })).toBe('postgres://db/katar');
    delete process.env.KATAR_TEST_DB_URL;
    expect(refusal(() => storeUrl({ urlEnv: 'KATAR_TEST_DB_URL' }))).toBe('store.urlEnv');
  });
});
