import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';

/** Debian's broker (package mosquitto); the MQTT tests skip when it is missing. */
export const MOSQUITTO_BIN = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p));

/** A mosquitto started by a test: anonymous, loopback only, persistence on (sessions survive a restart). */
export interface Mosquitto {
  port: number;
  url: string;
  configPath: string;
  /** Stops it (SIGTERM: it saves its sessions first). */
  stop(): Promise<void>;
  /** Starts it again on the same port, config and persistence. */
  start(): Promise<void>;
  /** Its log so far. */
  log(): Promise<string>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Starts mosquitto with its config, persistence and log in `dir`; with `tls`, its listener is TLS only (mqtts://). */
export async function startMosquitto(dir: string, tls?: { certfile: string; keyfile: string }): Promise<Mosquitto> {
  if (!MOSQUITTO_BIN) throw new Error('mosquitto is not installed (apt-get install mosquitto)');
  await mkdir(join(dir, 'persist'), { recursive: true });
  const port = await freePort();
  const configPath = join(dir, 'mosquitto.conf');
  const logPath = join(dir, 'mosquitto.log');
  await writeFile(
    configPath,
    [
      `listener ${port} 127.0.0.1`,
      // Started as root, mosquitto would switch to the user "mosquitto", who cannot write here.
      `user ${userInfo().username}`,
      ...(tls ? [`certfile ${tls.certfile}`, `keyfile ${tls.keyfile}`] : []),
      'allow_anonymous true',
      'persistence true',
      `persistence_location ${join(dir, 'persist')}/`,
      'autosave_interval 1',
      'persistent_client_expiration 1d',
      'max_queued_messages 100000',
      `log_dest file ${logPath}`,
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      'connection_messages true',
      '',
    ].join('\n'),
  );
  let proc: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const p = spawn(MOSQUITTO_BIN, ['-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    proc = p;
    for (const deadline = Date.now() + 10_000; !(await accepting(port)); await new Promise((r) => setTimeout(r, 50))) {
      if (p.exitCode !== null || Date.now() > deadline) throw new Error(`mosquitto did not start on ${port}: ${err}`);
    }
  };
  const stop = async (): Promise<void> => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    p.kill('SIGTERM');
    const timer = setTimeout(() => p.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  await start();
  return { port, url: `${tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`, configPath, start, stop, log: () => readFile(logPath, 'utf8').catch(() => '') };
}
