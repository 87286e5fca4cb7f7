import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const INSTALL = fileURLToPath(new URL('../../deploy/install.sh', import.meta.url));
const NODE_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));
const BUILT = existsSync(fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url)));
const HAS_SYSTEMCTL = spawnSync('systemctl', ['--version'], { stdio: 'ignore' }).status === 0;

/** Runs install.sh into `root`, never this machine's /etc; npm ci is skipped (slow, network). */
function install(root: string, args: string[] = [], env: Record<string, string> = {}): { code: number | null; out: string } {
  const r = spawnSync('sh', [INSTALL, '--prefix', root, '--no-npm', ...args], { env: { ...process.env, KATAR_NODE: process.execPath, ...env }, encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

const read = (root: string, path: string): Promise<string> => readFile(join(root, path), 'utf8');
const entry = (file: string, name: string): string[] | undefined => file.split('\n').find((l) => l.startsWith(`${name}:`))?.split(':');

describe.skipIf(!BUILT)(`install.sh into a throwaway root${BUILT ? '' : ' (skipped: dist/ is not built)'}`, () => {
  let tmp: Awaited<ReturnType<typeof makeTmpDir>>;
  let root: string;
  beforeEach(async () => {
    tmp = await makeTmpDir('katar-install-');
    root = join(tmp.dir, 'root');
    // A minimal Debian /etc: the accounts the installer looks at.
    await mkdir(join(root, 'etc'), { recursive: true });
    await writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n');
    await writeFile(join(root, 'etc/group'), 'root:x:0:\ndialout:x:20:pi\nnogroup:x:65534:\n');
  });
  afterEach(() => tmp.cleanup());

  const snapshot = async (): Promise<string[]> => Promise.all(['etc/passwd', 'etc/group', 'etc/katar-sms/config.json', 'etc/systemd/system/katar-sms.service', 'etc/udev/rules.d/99-katar-modem.rules'].map((p) => read(root, p)));

  async function expectInstalled(): Promise<void> {
    for (const p of ['opt/katar-sms/dist/src/cli/main.js', 'opt/katar-sms/package.json', 'opt/katar-sms/package-lock.json', 'opt/katar-sms/deploy/README.md', 'opt/katar-sms/scripts/build-if-needed.mjs']) expect(existsSync(join(root, p)), p).toBe(true);
    expect((await stat(join(root, 'usr/local/bin/katar-sms'))).mode & 0o777).toBe(0o755);
    const unit = await read(root, 'etc/systemd/system/katar-sms.service');
    expect(unit).toContain(`ExecStart=${process.execPath} --max-semi-space-size=8 /opt/katar-sms/dist/src/cli/main.js serve --config /etc/katar-sms/config.json --data-dir /var/lib/katar-sms`);
    expect(unit).toMatch(/^User=katar-sms$/m);
    expect(await read(root, 'etc/udev/rules.d/99-katar-modem.rules')).toContain('SYMLINK+="katar-modem"');
    const user = entry(await read(root, 'etc/passwd'), 'katar-sms')!;
    const group = entry(await read(root, 'etc/group'), 'katar-sms')!;
    expect(user[5]).toBe('/var/lib/katar-sms');
    expect(user[6]).toBe('/usr/sbin/nologin');
    expect(user[3]).toBe(group[2]);
    expect(Number(user[2])).toBeGreaterThanOrEqual(100);
    expect(Number(user[2])).toBeLessThan(1000);
    expect(entry(await read(root, 'etc/group'), 'dialout')![3]!.split(',')).toEqual(['pi', 'katar-sms']);
    const configPath = join(root, 'etc/katar-sms/config.json');
    const config = parseConfig(JSON.parse(await readFile(configPath, 'utf8')));
    expect(config.tokens).toHaveLength(3);
    for (const t of config.tokens) expect(t.token).toMatch(/^[0-9a-f]{48}$/);
    expect((await stat(configPath)).mode & 0o777).toBe(0o640);
    expect((await stat(join(root, 'var/lib/katar-sms'))).isDirectory()).toBe(true);
    if (process.getuid?.() === 0) {
      expect((await stat(configPath)).gid).toBe(Number(group[2]));
      expect((await stat(join(root, 'var/lib/katar-sms'))).uid).toBe(Number(user[2]));
    }
    if (HAS_SYSTEMCTL) expect(await readlink(join(root, 'etc/systemd/system/multi-user.target.wants/katar-sms.service'))).toBe('/etc/systemd/system/katar-sms.service');
  }

  it('installs the program, unit, udev rule, user and a config with fresh tokens; a second run changes nothing', async () => {
    const first = install(root);
    expect(first.code, first.out).toBe(0);
    await expectInstalled();
    const before = await snapshot();
    const second = install(root);
    expect(second.code, second.out).toBe(0);
    expect(second.out).toContain('kept the existing');
    expect(await snapshot()).toEqual(before);
    await expectInstalled();
  });

  it('writes the accounts straight into the root files when useradd cannot be used, also idempotently', async () => {
    for (let i = 0; i < 2; i++) {
      const r = install(root, [], { KATAR_ACCOUNTS: 'files' });
      expect(r.code, r.out).toBe(0);
    }
    await expectInstalled();
    expect((await read(root, 'etc/passwd')).match(/^katar-sms:/gm)).toHaveLength(1);
  });

  it('never overwrites an existing config', async () => {
    await mkdir(join(root, 'etc/katar-sms'), { recursive: true });
    const mine = '{ "port": 3100, "modems": [{ "path": "/dev/ttyUSB2" }] }\n';
    await writeFile(join(root, 'etc/katar-sms/config.json'), mine);
    const r = install(root);
    expect(r.code, r.out).toBe(0);
    expect(await read(root, 'etc/katar-sms/config.json')).toBe(mine);
  });

  it('--uninstall removes program, unit and rule but keeps config, data and the user', async () => {
    expect(install(root).code).toBe(0);
    const config = await read(root, 'etc/katar-sms/config.json');
    await writeFile(join(root, 'var/lib/katar-sms/live.json'), '{"tasks":[]}');
    const r = install(root, ['--uninstall']);
    expect(r.code, r.out).toBe(0);
    for (const p of ['opt/katar-sms', 'usr/local/bin/katar-sms', 'etc/systemd/system/katar-sms.service', 'etc/udev/rules.d/99-katar-modem.rules']) expect(existsSync(join(root, p)), p).toBe(false);
    await expect(lstat(join(root, 'etc/systemd/system/multi-user.target.wants/katar-sms.service'))).rejects.toThrow();
    expect(await read(root, 'etc/katar-sms/config.json')).toBe(config);
    expect(await read(root, 'var/lib/katar-sms/live.json')).toBe('{"tasks":[]}');
    expect(entry(await read(root, 'etc/passwd'), 'katar-sms')).toBeDefined();
  });

  it('puts a katar-sms command on the PATH that runs the installed CLI on the service\'s config and data dir', async () => {
    expect(install(root).code).toBe(0);
    const wrapper = await read(root, 'usr/local/bin/katar-sms');
    expect(wrapper).toMatch(/^#!\/bin\/sh\n/);
    expect(wrapper).toContain('export KATAR_CONFIG="${KATAR_CONFIG:-/etc/katar-sms/config.json}"');
    expect(wrapper).toContain('export KATAR_DATA_DIR="${KATAR_DATA_DIR:-/var/lib/katar-sms}"');
    expect(wrapper).toContain('main=/opt/katar-sms/dist/src/cli/main.js');
    expect(wrapper).toContain(`exec "${process.execPath}" "$main" "$@"`);
    // Root runs it as the service's user, which may read the config and owns the data.
    expect(wrapper).toContain(`setpriv --reuid=katar-sms --regid=katar-sms --init-groups -- "${process.execPath}" "$main" "$@"`);

    // Run it as this machine would, with the staging root in place of / (and the
    // checkout's node_modules, as the test skips npm ci). This machine has no katar-sms
    // user, so it runs as whoever runs the test.
    const staged = join(tmp.dir, 'katar-sms');
    await writeFile(staged, wrapper.replaceAll('/opt/katar-sms/', `${root}/opt/katar-sms/`));
    await symlink(NODE_MODULES, join(root, 'opt/katar-sms/node_modules'));
    const env = { ...process.env, KATAR_CONFIG: join(root, 'etc/katar-sms/config.json'), KATAR_DATA_DIR: join(root, 'var/lib/katar-sms') };
    const run = (args: string[]) => spawnSync('sh', [staged, ...args], { env, encoding: 'utf8' });
    const config = parseConfig(JSON.parse(await read(root, 'etc/katar-sms/config.json')));
    const tok = run(['token', '--role', 'producer']);
    expect(tok.status, tok.stderr).toBe(0);
    expect(tok.stdout).toBe(`${config.tokens.find((t) => t.role === 'producer')!.token}\n`);
    const check = run(['store', 'check']);
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout).toContain(`data directory ${join(root, 'var/lib/katar-sms')}: clean`);
  });

  it('refuses a Node older than 20 and says how to get a newer one', async () => {
    const fake = join(tmp.dir, 'node18');
    await writeFile(fake, '#!/bin/sh\ncase "$1" in -p) echo 18 ;; *) echo v18.19.0 ;; esac\n');
    await chmod(fake, 0o755);
    const r = install(root, [], { KATAR_NODE: fake });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/Node\.js >= 20 is needed; .* is v18\.19\.0/);
    expect(r.out).toMatch(/nodesource/i);
    expect(existsSync(join(root, 'opt/katar-sms'))).toBe(false);
  });

  it('rejects an unknown option with exit 2', () => {
    const r = install(root, ['--frobnicate']);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/Usage: install\.sh/);
  });
});
