import { execFileSync, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startGateway } from '../../src/start-gateway.js';
import { until } from '../helpers/modem-harness.js';
import { MOSQUITTO_BIN, startMosquitto } from '../helpers/mosquitto.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { testClient, uniqueName } from './mqtt-harness.js';

/** mqtts:// against a broker whose certificate a CA of the test's own signed (mqtt.caFile). */
const openssl = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const f = (name: string): string => join(dir, name);
  const run = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=katar test CA', '-keyout', f('ca.key'), '-out', f('ca.pem'));
  run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', f('server.key'), '-out', f('server.csr'));
  execFileSync('sh', ['-c', `printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > ${f('san.ext')}`]);
  run('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f('san.ext'), '-out', f('server.pem'));
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key') };
}

describe.skipIf(!MOSQUITTO_BIN || !openssl)('MQTT over TLS', () => {
  it('connects to mqtts:// with the CA of mqtt.caFile; refuses a CA file on a plain URL', async () => {
    const tmp = await makeTmpDir();
    cleanups.push(tmp.cleanup);
    const certs = makeCertificates(tmp.dir);
    const broker = await startMosquitto(join(tmp.dir, 'broker'), { certfile: certs.cert, keyfile: certs.key });
    cleanups.push(() => broker.stop());
    expect(broker.url).toMatch(/^mqtts:/);
    const prefix = uniqueName('tls');
    const sub = await testClient(broker.url, [`${prefix}/status`], { ca: await readFile(certs.ca) });
    cleanups.push(() => sub.close());
    const gw = await startGateway(parseConfig({ port: 0, dataDir: join(tmp.dir, 'data'), mqtt: { url: broker.url, caFile: certs.ca, topicPrefix: prefix, discovery: false } }), createLogger('silent'), []);
    cleanups.push(() => gw.close());
    await until(() => sub.on(`${prefix}/status`).some((m) => m.payload === 'online'), 10_000, 'online over TLS');
    expect(() => parseConfig({ mqtt: { url: 'mqtt://127.0.0.1', caFile: certs.ca } })).toThrow('config: mqtt.caFile is for TLS: the url must be mqtts:// or wss://');
    await expect(startGateway(parseConfig({ port: 0, dataDir: join(tmp.dir, 'data2'), mqtt: { url: broker.url, caFile: join(tmp.dir, 'missing.pem') } }), createLogger('silent'), [])).rejects.toThrow(/^config: mqtt\.caFile cannot be read/);
  });
});
