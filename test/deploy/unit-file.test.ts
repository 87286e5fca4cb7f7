import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const UNIT_PATH = fileURLToPath(new URL('../../deploy/katar-sms.service', import.meta.url));
const UNIT = readFileSync(UNIT_PATH, 'utf8');
const HAS_ANALYZE = spawnSync('systemd-analyze', ['--version'], { stdio: 'ignore' }).status === 0;

/** `Key=value` lines of the unit, comments left out. */
const settings = UNIT.split('\n').filter((l) => /^[A-Za-z]+=/.test(l));
const values = (key: string): string[] => settings.filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));

describe('deploy/katar-sms.service', () => {
  it('is a notify service whose helper processes may notify, run as its own user with a bounded stop', () => {
    expect(values('Type')).toEqual(['notify']);
    expect(values('NotifyAccess')).toEqual(['all']);
    expect(values('User')).toEqual(['katar-sms']);
    expect(values('SupplementaryGroups')).toEqual(['dialout']);
    expect(values('StateDirectory')).toEqual(['katar-sms']);
    expect(values('ConfigurationDirectory')).toEqual(['katar-sms']);
    expect(values('Restart')).toEqual(['on-failure']);
    expect(values('ExecStart')[0]).toMatch(/^\/usr\/bin\/node --max-semi-space-size=8 \/opt\/katar-sms\/dist\/src\/cli\/main\.js serve --config \/etc\/katar-sms\/config\.json --data-dir \/var\/lib\/katar-sms$/);
    expect(values('WatchdogSec')).toHaveLength(1);
    // An AT+CMGS may take 60 s to answer; the stop must allow for it, but not for ever.
    const stop = Number(/^(\d+)s$/.exec(values('TimeoutStopSec')[0] ?? '')?.[1]);
    expect(stop).toBeGreaterThan(60);
    expect(stop).toBeLessThanOrEqual(120);
  });

  it('is hardened, but lets V8 JIT and reaches the modem ttys only', () => {
    expect(values('MemoryDenyWriteExecute')).toEqual([]);
    expect(values('PrivateDevices')).toEqual([]);
    expect(values('DevicePolicy')).toEqual(['closed']);
    expect(values('DeviceAllow').sort()).toEqual(['char-ttyACM rw', 'char-ttyAMA rw', 'char-ttyS rw', 'char-ttyUSB rw']);
    for (const key of ['ProtectSystem', 'ProtectHome', 'PrivateTmp', 'NoNewPrivileges', 'ProtectKernelTunables', 'ProtectKernelModules', 'ProtectControlGroups', 'RestrictNamespaces', 'LockPersonality']) {
      expect(values(key), key).toHaveLength(1);
    }
    expect(values('CapabilityBoundingSet')).toEqual(['']);
  });

  it('lets the healing ladder write the USB device tree of sysfs, and no other system path', () => {
    // /sys stays read-only (ProtectKernelTunables); only /sys/devices, where file modes
    // leave the udev rule's `authorized` attributes as the one thing the user may write.
    expect(values('ProtectKernelTunables')).toEqual(['yes']);
    expect(values('ReadWritePaths')).toEqual(['-/sys/devices']);
    expect(values('ProtectSystem')).toEqual(['strict']);
    expect(values('AmbientCapabilities')).toEqual(['']);
  });

  describe.skipIf(!HAS_ANALYZE)(`systemd-analyze${HAS_ANALYZE ? '' : ' (skipped: not installed)'}`, () => {
    let tmp: Awaited<ReturnType<typeof makeTmpDir>> | undefined;
    afterEach(() => tmp?.cleanup());

    it('verifies the unit (with this node as ExecStart, as install.sh writes it)', async () => {
      tmp = await makeTmpDir();
      const copy = join(tmp.dir, 'katar-sms.service');
      await writeFile(copy, UNIT.replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `));
      const r = spawnSync('systemd-analyze', ['verify', '--man=false', copy], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/katar-sms\.service/);
    });

    it('keeps the offline security exposure at 2.0 or below (deploy/README.md states it)', () => {
      const r = spawnSync('systemd-analyze', ['security', '--offline=true', UNIT_PATH], { encoding: 'utf8' });
      const level = Number(/Overall exposure level for katar-sms\.service: ([\d.]+)/.exec(r.stdout)?.[1]);
      expect(level).toBeLessThanOrEqual(2.0);
      const readme = readFileSync(fileURLToPath(new URL('../../deploy/README.md', import.meta.url)), 'utf8');
      expect(readme).toContain(`exposure level ${level.toFixed(1)}`);
    });
  });
});
