import { spawnSync } from 'node:child_process';
import { mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTmpDir } from './tmp-dir.js';

/** A real, small file system (tmpfs) that a test can fill up and free again. */
export interface SmallDisk {
  dir: string;
  /** Writes a filler file until the file system is full (ENOSPC). */
  fill(): Promise<void>;
  /** Removes the filler: space is back. */
  free(): Promise<void>;
  close(): Promise<void>;
}

/** Why small disks cannot be made here, or undefined when they can (root may mount tmpfs). */
export const smallDiskUnavailable: string | undefined = (() => {
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  const probe = spawnSync('sh', ['-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d" && umount "$d"; r=$?; rmdir "$d"; exit $r']);
  return probe.status === 0 ? undefined : `cannot mount a tmpfs here: ${probe.stderr.toString().trim()}`;
})();

/** Mounts a tmpfs of `bytes` on a fresh temporary directory. */
export async function smallDisk(bytes: number): Promise<SmallDisk> {
  const tmp = await makeTmpDir('katar-disk-');
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', tmp.dir]);
  if (m.status !== 0) throw new Error(`mount tmpfs: ${m.stderr.toString()}`);
  await mkdir(join(tmp.dir, 'data'), { recursive: true });
  const filler = join(tmp.dir, 'filler');
  return {
    dir: tmp.dir,
    async fill() {
      const h = await open(filler, 'a');
      try {
        // Big blocks first, then ever smaller ones, down to the last free byte.
        for (const size of [1 << 16, 1 << 12, 1 << 9, 1]) {
          const block = Buffer.alloc(size, 0x66);
          try {
            for (;;) await h.write(block);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          }
        }
      } finally {
        await h.close();
      }
    },
    async free() {
      await unlink(filler).catch(() => undefined);
    },
    async close() {
      spawnSync('umount', ['-l', tmp.dir]);
      await tmp.cleanup();
    },
  };
}
