import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, constants, existsSync, lstatSync, openSync, unlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { KatarError } from '../errors.js';
import type { ModemPort } from '../modem/port.js';
import type { SimulatedModem } from './sim-modem.js';

/** A simulator exposed on a pseudo-terminal. */
export interface PtyExposure {
  /** The symlink to the pty slave (what the gateway opens as its serial port). */
  readonly path: string;
  /**
   * Re-enumeration, as after a USB reset: the device vanishes (its port closes) and comes
   * back, freshly booted, under `newPath` (another ttyUSB number or by-id name).
   */
  moveTo(newPath: string): Promise<void>;
  close(): Promise<void>;
}

// Node has no pty API, so a helper process owns the pty master and relays it to its
// stdio: socat if installed, else python3's pty module. Both keep a slave fd open so
// the master does not die with EIO when the gateway closes and reopens the port.
const PY_RELAY = `
import os, pty, select, signal, sys, tty
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
m, s = pty.openpty()
tty.setraw(s)
link = sys.argv[1]
try:
    os.unlink(link)
except FileNotFoundError:
    pass
os.symlink(os.ttyname(s), link)
try:
    while True:
        r, _, _ = select.select([m, 0], [], [])
        if m in r:
            os.write(1, os.read(m, 4096))
        if 0 in r:
            d = os.read(0, 4096)
            if not d:
                break
            os.write(m, d)
finally:
    os.unlink(link)
`;

function report(err: unknown): void {
  console.error('simulator pty relay:', err instanceof Error ? err.message : err);
}

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Which relay this machine can run, or undefined. */
export function ptyRelayAvailable(): 'socat' | 'python3' | undefined {
  if (has('socat')) return 'socat';
  if (has('python3')) return 'python3';
  return undefined;
}

function startRelay(kind: 'socat' | 'python3', linkPath: string): ChildProcess {
  if (kind === 'socat') return spawn('socat', [`PTY,link=${linkPath},raw,echo=0`, 'STDIO'], { stdio: ['pipe', 'pipe', 'inherit'] });
  return spawn('python3', ['-u', '-c', PY_RELAY, linkPath], { stdio: ['pipe', 'pipe', 'inherit'] });
}

async function waitForLink(linkPath: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (existsSync(linkPath)) return;
    if (child.exitCode !== null) break;
    await sleep(30);
  }
  throw new KatarError('INTERNAL', `pty relay did not create ${linkPath}`);
}

/**
 * Exposes `sim` on a real pseudo-terminal at `linkPath` (e.g. for minicom or the
 * gateway's serial-port adapter). An unplug removes the pty; a replug brings it back.
 * `opts.relay` forces one helper (tests use it to cover the python3 fallback).
 */
export async function exposeOnPty(sim: SimulatedModem, firstPath: string, opts: { relay?: 'socat' | 'python3' } = {}): Promise<PtyExposure> {
  let linkPath = firstPath;
  const kind = opts.relay ?? ptyRelayAvailable();
  if (!kind) throw new KatarError('CONFIG_INVALID', 'exposing the simulator on a pty needs socat (apt-get install socat) or python3');
  if (existsSync(linkPath) && lstatSync(linkPath).isSymbolicLink()) unlinkSync(linkPath);
  let child: ChildProcess | undefined;
  let port: ModemPort | undefined;
  let slaveFd: number | undefined;
  let closed = false;
  let stopping: Promise<void> = Promise.resolve();

  const stopNow = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (slaveFd !== undefined) closeSync(slaveFd);
    slaveFd = undefined;
    if (port?.isOpen) await port.close();
    port = undefined;
    if (c && c.exitCode === null) {
      const exited = new Promise((resolve) => c.once('exit', resolve));
      c.kill('SIGTERM');
      await exited;
    }
  };

  const stop = (): Promise<void> => (stopping = stopping.then(stopNow).catch(report));

  const start = async (): Promise<void> => {
    // The old relay removes its symlink on exit; let it finish before a new one is made.
    await stopping;
    const c = startRelay(kind, linkPath);
    child = c;
    c.on('error', report);
    await waitForLink(linkPath, c);
    if (kind === 'socat') slaveFd = openSync(linkPath, constants.O_RDWR | constants.O_NOCTTY);
    const p = sim.link();
    port = p;
    // EPIPE after the relay died must not crash the process; the pty is simply gone.
    c.stdin?.on('error', () => undefined);
    p.on('data', (chunk: Buffer) => c.stdin?.write(chunk));
    c.stdout?.on('data', (chunk: Buffer) => void p.write(chunk).catch(() => undefined));
    p.on('close', (err?: Error) => {
      if (err && !closed) stop().catch(report); // unplugged: the tty disappears like a USB device
    });
  };

  let restarted: Promise<void> = Promise.resolve();
  const onReplug = (): void => {
    if (!closed) restarted = start().catch(report);
  };
  try {
    await start();
  } catch (err) {
    await stop();
    throw err;
  }
  sim.on('replug', onReplug);
  return {
    get path() {
      return linkPath;
    },
    moveTo: async (newPath: string) => {
      sim.unplug();
      await stop();
      linkPath = newPath;
      if (existsSync(linkPath) && lstatSync(linkPath).isSymbolicLink()) unlinkSync(linkPath);
      // replug() starts the relay at the new path (onReplug); wait until it relays.
      sim.replug();
      await restarted;
    },
    close: async () => {
      closed = true;
      sim.off('replug', onReplug);
      await stop();
    },
  };
}
