import { mkdir, readFile, realpath, stat, unlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { KatarError } from '../../errors.js';

/** A held lock on a data directory; `release` gives it up. */
export interface DataDirLock {
  readonly path: string;
  release(): Promise<void>;
}

/*
 * Why not a pid file: after a power cut the pid in it may belong to an unrelated process
 * (the gateway then refused to start); a killed gateway that is still a zombie looks alive
 * to kill(pid, 0); and between creating the file and writing the pid a second instance
 * could decide the file was stale and take over. Two owners of one data dir lose
 * acknowledged sends.
 *
 * Node has no flock(2), so the lock is a Linux abstract-namespace unix socket named after
 * the directory's device and inode. bind(2) is atomic: exactly one process gets the name,
 * and it holds it from that instant (no window between taking and holding). The kernel
 * frees the name when the socket's last descriptor closes, which happens when the process
 * dies in any way (kill -9, crash, OOM), as soon as its last thread has exited: a zombie
 * waiting to be reaped has already closed its descriptors and holds nothing. The name is not a file, so nothing stale survives a
 * reboot or a power cut. libuv opens sockets with SOCK_CLOEXEC, so a child process
 * (socat, systemd-notify) never inherits the lock.
 *
 * Limit: abstract names live in the network namespace. Two processes in different network
 * namespaces (containers, a systemd unit with PrivateNetwork=yes) do not see each other's
 * lock; deploy/katar-sms.service therefore must not set PrivateNetwork= and must keep
 * AF_UNIX in RestrictAddressFamilies=. The device:inode key makes the same directory
 * reached through a symlink or a bind mount one lock.
 *
 * `katar.lock` keeps the owner's pid, written once the lock is held, only to name the
 * owner in the error; it never decides anything.
 */

const LOCK_FILE = 'katar.lock';

async function lockName(dir: string): Promise<string> {
  const s = await stat(dir, { bigint: true });
  if (!s.isDirectory()) throw new KatarError('CONFIG_INVALID', `data directory ${dir} is not a directory`, { dir });
  return `\0katar-sms:${s.dev}:${s.ino}`;
}

function bindName(name: string): Promise<Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(undefined) : reject(err)));
    server.listen({ path: name, exclusive: true }, () => {
      // The lock must never keep the process alive on its own.
      server.unref();
      resolve(server);
    });
  });
}

async function ownerPid(path: string): Promise<number | undefined> {
  const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Makes this process the only owner of `dir` until `release` or the process's death.
 * A second owner, in this process or another, gets DATA_DIR_LOCKED naming the pid that
 * `katar.lock` records when it is readable.
 */
export async function lockDataDir(dir: string): Promise<DataDirLock> {
  await mkdir(dir, { recursive: true });
  const name = await lockName(dir);
  const path = join(dir, LOCK_FILE);
  let server: Server | undefined;
  try {
    server = await bindName(name);
  } catch (err) {
    throw new KatarError('DATA_DIR_LOCKED', `could not lock data directory ${dir}: ${(err as Error).message}`, { dir }, { cause: err });
  }
  if (!server) {
    const pid = await ownerPid(path);
    const who = pid === undefined ? 'another katar-sms' : `another katar-sms (pid ${pid})`;
    throw new KatarError('DATA_DIR_LOCKED', `data directory ${await realpath(dir).catch(() => dir)} is in use by ${who}; stop it or choose another --data-dir`, { dir, ...(pid !== undefined && { pid }) });
  }
  const held = server;
  // Information only: a full or read-only disk must not stop a start that holds the lock.
  await writeFile(path, `${process.pid}\n`).catch(() => undefined);
  let released = false;
  return {
    path,
    async release(): Promise<void> {
      if (released) return;
      released = true;
      // The pid file first: once the name is free a new owner may write its own.
      await unlink(path).catch(() => undefined);
      await new Promise<void>((resolve) => held.close(() => resolve()));
    },
  };
}
