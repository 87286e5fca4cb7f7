import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { KatarError } from '../../errors.js';

/** A held lock on a data directory; `release` removes it. */
export interface DataDirLock {
  readonly path: string;
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Makes this process the only owner of `dir`: creates `katar.lock` exclusively with our
 * pid. A lock left by a process that no longer runs (kill -9, power cut) is taken over;
 * a lock of a live process stops the start with DATA_DIR_LOCKED naming that pid.
 */
export async function lockDataDir(dir: string): Promise<DataDirLock> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'katar.lock');
  for (let tries = 0; tries < 3; tries++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.sync();
      await handle.close();
      let released = false;
      return {
        path,
        async release(): Promise<void> {
          if (released) return;
          released = true;
          await unlink(path).catch(() => undefined);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new KatarError('DATA_DIR_LOCKED', `data directory ${dir} is in use by another katar-sms (pid ${pid}); stop it or choose another --data-dir`, { dir, pid });
    }
    // Stale: its owner is gone. Remove it and race for it again.
    await unlink(path).catch(() => undefined);
  }
  throw new KatarError('DATA_DIR_LOCKED', `could not lock data directory ${dir}`, { dir });
}
