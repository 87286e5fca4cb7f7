import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { makeTmpDir } from '../helpers/tmp-dir.js';

/**
 * Node's dgram has no unix sockets, so python3 binds the datagram socket and prints
 * each message as a JSON line. It reads with recv(), which drops the descriptor that
 * `systemd-notify` attaches for its barrier, so the helper returns at once (socat keeps
 * it and makes every call wait 5 s).
 */
const RECEIVER = `
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print(json.dumps("listening"), flush=True)
while True:
    print(json.dumps(s.recv(65536).decode()), flush=True)
`;

/** Why the notify tests cannot run here, or undefined when they can. */
export function receiverMissing(): string | undefined {
  if (spawnSync('python3', ['-c', 'import socket; socket.AF_UNIX'], { stdio: 'ignore' }).status !== 0) return 'python3 (to bind a unix datagram socket) is not installed';
  if (spawnSync('systemd-notify', ['--help'], { stdio: 'ignore' }).status !== 0) return 'the systemd-notify program is not installed';
  return undefined;
}

/** A NOTIFY_SOCKET made by the test, and the datagrams it received. */
export interface NotifyReceiver {
  path: string;
  /** Every datagram's assignments (BARRIER=1 messages left out). */
  messages: string[];
  /** Resolves with the first message matching, waiting up to `ms`. */
  waitFor(match: RegExp, ms?: number): Promise<string>;
  close(): Promise<void>;
}

/** Binds a fresh unix datagram socket in a temporary directory. */
export async function startReceiver(): Promise<NotifyReceiver> {
  const tmp = await makeTmpDir('katar-notify-');
  const path = join(tmp.dir, 'notify.sock');
  const proc: ChildProcess = spawn('python3', ['-c', RECEIVER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const messages: string[] = [];
  const waiters = new Set<() => void>();
  let buf = '';
  proc.stdout!.on('data', (b: Buffer) => {
    buf += b.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const msg = JSON.parse(buf.slice(0, nl)) as string;
      buf = buf.slice(nl + 1);
      if (msg !== 'BARRIER=1') messages.push(msg);
      for (const w of waiters) w();
    }
  });
  const waitFor = (match: RegExp, ms = 5000): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const hit = messages.find((m) => match.test(m));
        if (hit === undefined) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(hit);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no notify message matching ${match} within ${ms} ms; got ${JSON.stringify(messages)}`));
      }, ms);
      waiters.add(check);
      check();
    });
  await waitFor(/^listening$/);
  messages.splice(0);
  return {
    path,
    messages,
    waitFor,
    close: async () => {
      proc.kill('SIGKILL');
      await tmp.cleanup();
    },
  };
}
