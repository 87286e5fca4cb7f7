import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { isKatarError } from '../src/errors.js';
import { createLogger } from '../src/log.js';
import { startGateway, type RunningGateway } from '../src/start-gateway.js';
import { modemComponents } from '../src/modem-workers.js';
import { makeTmpDir } from './helpers/tmp-dir.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(modems: unknown[]): Promise<RunningGateway> {
  const tmp = await makeTmpDir();
  cleanups.push(tmp.cleanup);
  const config = parseConfig({ port: 0, dataDir: tmp.dir, modems });
  return startGateway(config, createLogger('silent'), modemComponents());
}

describe('modems[].driver at start-up', () => {
  it('refuses a name that is no driver with CONFIG_INVALID, naming the key and every driver', async () => {
    const err: unknown = await start([{ path: 'sim' }, { name: 'b', path: 'sim', driver: 'simcom' }]).then(
      (g) => g.close().then(() => 'started'),
      (e: unknown) => e,
    );
    expect(isKatarError(err, 'CONFIG_INVALID')).toBe(true);
    if (!isKatarError(err)) return;
    expect(err.details?.key).toBe('modems[1].driver');
    expect(err.message).toBe('config: modems[1].driver "simcom" is not a driver (drivers: simcom-sim800, simcom-sim7600, quectel, huawei, generic)');
  });

  it('accepts a name that is a driver: the gateway starts with that modem', async () => {
    const g = await start([{ path: 'sim', driver: 'huawei' }]);
    cleanups.push(() => g.close());
    const res = await g.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(JSON.stringify(res.json())).toContain('modem0');
  });
});
