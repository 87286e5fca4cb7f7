import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { localServerUrl } from '../../src/cli/config-source.js';
import type { CliIo } from '../../src/cli/io.js';
import { probe } from '../../src/cli/probe.js';
import { status } from '../../src/cli/status.js';
import { store } from '../../src/cli/store.js';
import { token } from '../../src/cli/token.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

function capture(env: Record<string, string> = {}): CliIo & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', env, out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

const TOKENS = [
  { name: 'producer', token: 'p'.repeat(48), role: 'producer' },
  { name: 'phone', token: 'w'.repeat(48), role: 'worker' },
  { name: 'admin', token: 'a'.repeat(48), role: 'admin' },
];

/** A stand-in for a running gateway: answers /healthz as `name`. */
async function healthServer(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok', uptimeSeconds: 5, queues: { sms: { queued: name === 'from-config' ? 1 : 2 } }, modems: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('client commands take the gateway config from --config or $KATAR_CONFIG', () => {
  let tmp: Awaited<ReturnType<typeof makeTmpDir>>;
  let file: string;
  const servers: Server[] = [];
  beforeEach(async () => {
    tmp = await makeTmpDir('katar-cli-config-');
    file = join(tmp.dir, 'config.json');
    await writeFile(file, JSON.stringify({ host: '0.0.0.0', port: 3000, tokens: TOKENS, modems: [{ name: 'modem0', path: 'sim' }] }));
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
    await tmp.cleanup();
  });

  it('token prints the first token of a role, or the named one, alone on a line', async () => {
    const io = capture({ KATAR_CONFIG: file });
    expect(await token(['--role', 'producer'], io)).toBe(0);
    expect(io.stdout).toBe(`${'p'.repeat(48)}\n`);
    const named = capture();
    expect(await token(['--name', 'phone', '--config', file], named)).toBe(0);
    expect(named.stdout).toBe(`${'w'.repeat(48)}\n`);
  });

  it('token says which tokens there are when none matches (exit 1), and needs a role or a name and a config', async () => {
    await writeFile(file, JSON.stringify({ tokens: [TOKENS[0]] }));
    const io = capture({ KATAR_CONFIG: file });
    expect(await token(['--role', 'admin'], io)).toBe(1);
    expect(io.stdout).toBe('');
    expect(io.stderr).toMatch(/has no token with role admin; its tokens: producer \(producer\)/);
    await expect(token([], capture({ KATAR_CONFIG: file }))).rejects.toThrow(UsageError);
    await expect(token(['--role', 'boss'], capture({ KATAR_CONFIG: file }))).rejects.toThrow(/--role must be one of producer, worker, admin/);
    await expect(token(['--role', 'admin'], capture({ KATAR_CONFIG: join(tmp.dir, 'missing.json') }))).rejects.toThrow(/no config/);
  });

  it.skipIf(process.getuid?.() === 0)('token tells a user who may not read the config to use sudo (exit 78)', async () => {
    await chmod(file, 0o000);
    const io = capture({ KATAR_CONFIG: file });
    expect(await token(['--role', 'producer'], io)).toBe(78);
    expect(io.stderr).toMatch(/cannot read .*config\.json \(permission denied\).*sudo katar-sms token/);
  });

  it('status asks the host and port of the config; $KATAR_SERVER beats $KATAR_CONFIG, and --config beats $KATAR_SERVER', async () => {
    const fromConfig = await healthServer('from-config');
    const fromEnv = await healthServer('from-env');
    servers.push(fromConfig.server, fromEnv.server);
    await writeFile(file, JSON.stringify({ host: '0.0.0.0', port: fromConfig.port, tokens: TOKENS }));
    const viaEnv = capture({ KATAR_CONFIG: file });
    expect(await status([], viaEnv)).toBe(0);
    expect(viaEnv.stdout).toMatch(new RegExp(`^server http://127\\.0\\.0\\.1:${fromConfig.port}: ok`));
    expect(viaEnv.stdout).toMatch(/queue sms: 1 queued/);
    const serverEnv = capture({ KATAR_CONFIG: file, KATAR_SERVER: `http://127.0.0.1:${fromEnv.port}` });
    expect(await status([], serverEnv)).toBe(0);
    expect(serverEnv.stdout).toMatch(/queue sms: 2 queued/);
    const flag = capture({ KATAR_SERVER: `http://127.0.0.1:${fromEnv.port}` });
    expect(await status(['--config', file], flag)).toBe(0);
    expect(flag.stdout).toMatch(/queue sms: 1 queued/);
  });

  it('probe without --modem probes the config\'s first modem', async () => {
    const io = capture({ KATAR_CONFIG: file });
    expect(await probe(['--json'], io)).toBe(0);
    expect(JSON.parse(io.stdout)).toMatchObject({ device: 'sim (built-in simulated modem, generic)', answered: true, state: 'ready' });
  });

  it('probe still needs --modem where no config names a modem', async () => {
    await expect(probe([], capture())).rejects.toThrow(/--modem PATH\|sim is required/);
    await expect(probe([], capture({ KATAR_CONFIG: join(tmp.dir, 'missing.json') }))).rejects.toThrow(/--modem PATH\|sim is required/);
    await writeFile(file, JSON.stringify({ modems: [] }));
    await expect(probe([], capture({ KATAR_CONFIG: file }))).rejects.toThrow(/configures no modem/);
  });

  it('store takes $KATAR_DATA_DIR as its default data directory', async () => {
    const data = join(tmp.dir, 'data');
    await mkdir(data);
    const io = capture({ KATAR_DATA_DIR: data });
    expect(await store(['check'], io)).toBe(0);
    expect(io.stdout).toMatch(new RegExp(`^data directory ${data}: clean`));
  });

  it('reaches a gateway that listens on every address through loopback', () => {
    expect(localServerUrl({ host: '0.0.0.0', port: 3000 })).toBe('http://127.0.0.1:3000');
    expect(localServerUrl({ host: '::', port: 3000 })).toBe('http://[::1]:3000');
    expect(localServerUrl({ host: '192.168.1.20', port: 8080 })).toBe('http://192.168.1.20:8080');
    expect(localServerUrl({ host: 'fe80::1', port: 80 })).toBe('http://[fe80::1]:80');
    expect(localServerUrl({ host: '127.0.0.1', port: 0 })).toBeUndefined();
  });
});
