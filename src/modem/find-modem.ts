/**
 * Finds a modem by its IMEI among the serial ports, for a modem configured by `imei`: after
 * a USB reset or a replug it may come back as another ttyUSB number, or under another
 * `/dev/serial/by-id` name (firmware that changes its USB serial string), and is found again.
 *
 * Candidates: `/dev/serial/by-id/*` first (stable names), then `/dev/ttyUSB*` and
 * `/dev/ttyACM*`, one per device (links resolved). Each is opened and asked `AT+CGSN`
 * (`ATI` where that fails: Huawei prints `IMEI:` there) with a short timeout; ports held by
 * another modem of this gateway are never touched. The port last found is tried first and
 * handed over open, so a reconnect costs one command. A modem that was found there but
 * now answers nothing is still handed out when no other port has its IMEI: it is most
 * likely hung, and the session's healing ladder (reboot, USB re-bind) needs its port.
 */
import { readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { KatarError } from '../errors.js';
import { parseImei } from './identity.js';
import type { ModemPort } from './port.js';
import type { SessionLogger } from './session/traits.js';

/** How to find one modem. */
export interface FindModemOptions {
  /** The IMEI to find (15 digits). */
  imei: string;
  /** Opens a port (the serial port in the gateway; a fake in tests). */
  open: (path: string) => Promise<ModemPort>;
  /** Default `/dev`; tests use a temporary directory with links to ptys. */
  devDir?: string;
  /** Real paths of ports other modems of this process hold: never probed. */
  busy?: () => ReadonlySet<string>;
  /** Per probe command. Default 1 000 ms. */
  probeTimeoutMs?: number;
  /** Where it was found last (e.g. before a restart): tried first. */
  lastPath?: string;
  log?: SessionLogger;
}

/** The candidate ports under `devDir`, stable names first, one per device. */
export async function candidatePorts(devDir = '/dev'): Promise<Array<{ path: string; real: string }>> {
  const byIdDir = join(devDir, 'serial', 'by-id');
  const byId = (await readdir(byIdDir).catch(() => [] as string[])).sort().map((n) => join(byIdDir, n));
  const names = await readdir(devDir).catch(() => [] as string[]);
  const family = (prefix: string): string[] =>
    names
      .filter((n) => new RegExp(`^${prefix}\\d+$`).test(n))
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
      .map((n) => join(devDir, n));
  const ttys = [...family('ttyUSB'), ...family('ttyACM')];
  const seen = new Set<string>();
  const out: Array<{ path: string; real: string }> = [];
  for (const path of [...byId, ...ttys]) {
    const real = await realpath(path).catch(() => undefined);
    if (real === undefined || seen.has(real)) continue;
    seen.add(real);
    out.push({ path, real });
  }
  return out;
}

/**
 * Asks the modem on `port` for its IMEI; undefined when it does not answer in time or
 * names none. Leaves the port open, with no listener of its own left on it.
 */
export async function readImei(port: ModemPort, timeoutMs = 1_000): Promise<string | undefined> {
  for (const command of ['AT+CGSN', 'ATI']) {
    const lines = await ask(port, command, timeoutMs);
    if (lines === undefined) return undefined; // silent: ATI will not do better
    const labelled = lines.map((l) => /IMEI\s*:\s*(\d{15})/i.exec(l)?.[1]).find((v) => v !== undefined);
    const imei = labelled ?? parseImei(lines.filter((l) => !/^(AT|OK$|ERROR|\+CME)/i.test(l)));
    if (/^\d{15}$/.test(imei)) return imei;
  }
  return undefined;
}

/** Sends `command` and collects the lines up to the final result; undefined on a timeout. */
function ask(port: ModemPort, command: string, timeoutMs: number): Promise<string[] | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const done = (lines: string[] | undefined): void => {
      clearTimeout(timer);
      port.off('data', onData);
      port.off('close', onClose);
      resolve(lines);
    };
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      if (/(^|[\r\n])(OK|ERROR|\+CM[ES] ERROR:[^\r\n]*|COMMAND NOT SUPPORT)\r?\n/.test(text)) {
        done(text.split(/[\r\n]+/).map((l) => l.trim()).filter((l) => l !== ''));
      }
    };
    const onClose = (): void => done(undefined);
    const timer = setTimeout(() => done(undefined), timeoutMs);
    port.on('data', onData);
    port.on('close', onClose);
    port.write(`${command}\r`).catch(() => done(undefined));
  });
}

/** Opens the port of the modem with one IMEI, wherever it is now. */
export class ModemFinder {
  private last: string | undefined;

  constructor(private readonly opts: FindModemOptions) {
    this.last = opts.lastPath;
  }

  /** Where the modem was found last (the path the USB re-bind and the identity book use). */
  get lastPath(): string | undefined {
    return this.last;
  }

  /** The port of the modem with the configured IMEI, open; MODEM_CLOSED when no port has it. */
  async open(): Promise<ModemPort> {
    const { imei, log } = this.opts;
    const busy = this.opts.busy?.() ?? new Set<string>();
    let hungAt: string | undefined;
    const last = this.last;
    if (last !== undefined) {
      const real = await realpath(last).catch(() => undefined);
      if (real !== undefined && !busy.has(real)) {
        const found = await this.probe(last);
        if (found.port) return found.port;
        if (found.silent) hungAt = last;
      }
    }
    const candidates = (await candidatePorts(this.opts.devDir)).filter((c) => !busy.has(c.real) && c.path !== last);
    for (const c of candidates) {
      const found = await this.probe(c.path);
      if (found.port) {
        log?.info({ path: c.path, previous: last }, 'modem found by its IMEI');
        this.last = c.path;
        return found.port;
      }
    }
    if (hungAt !== undefined) return this.opts.open(hungAt);
    throw new KatarError('MODEM_CLOSED', `no modem with IMEI ${imei} on ${candidates.length} serial port(s)${last ? `; last seen on ${last}` : ''}`, { imei, candidates: candidates.map((c) => c.path) });
  }

  /** Opens `path` and asks its IMEI: the open port when it matches. */
  private async probe(path: string): Promise<{ port?: ModemPort; silent?: boolean }> {
    let port: ModemPort;
    try {
      port = await this.opts.open(path);
    } catch {
      return {};
    }
    const imei = await readImei(port, this.opts.probeTimeoutMs);
    if (imei === this.opts.imei) return { port };
    await port.close().catch(() => undefined);
    return { silent: imei === undefined };
  }
}
