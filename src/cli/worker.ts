import { builtinDrivers } from '../../drivers/index.js';
import { createLogger } from '../log.js';
import type { ModemPortFactory } from '../modem/port.js';
import { openSerialPort } from '../modem/serial-port.js';
import { SimulatedModem } from '../simulator/index.js';
import { startRemoteWorker } from '../worker/remote/start-remote.js';
import { intOption, parse, UsageError } from './args.js';

export const WORKER_USAGE = `Usage: katar-sms worker --server URL [options]

Runs the built-in modem worker for another katar-sms server, over the katar HTTP worker
protocol: takes tasks (long-poll), sends them through the local modem, reports the
results, and posts the SMS the modem receives. Reports and received SMS wait on disk
while the server is unreachable, and are delivered once it is back.

Options:
  --server URL        the katar-sms server (e.g. http://gateway.lan:3000)
  --token TOKEN       a worker token of that server (or env KATAR_TOKEN)
  --modem PATH|sim    serial device of the local modem, or "sim" (default sim)
  --baud N            baud rate (default 115200)
  --pin PIN           SIM PIN, entered once when asked
  --queue NAME        queue to work (default sms)
  --name NAME         worker name (default: the host name)
  --data-dir DIR      where undelivered reports and SMS wait (default ./worker-data)
  --log-level LEVEL   fatal, error, warn, info (default), debug
  -h, --help          this help

Exit codes: 0 stopped by a signal, 1 failure, 2 bad command line, 78 data dir in use.
`;

/** `katar-sms worker`: runs until SIGTERM/SIGINT. */
export async function worker(argv: string[]): Promise<number> {
  const v = parse(argv, {
    server: { type: 'string' },
    token: { type: 'string' },
    modem: { type: 'string' },
    baud: { type: 'string' },
    pin: { type: 'string' },
    queue: { type: 'string' },
    name: { type: 'string' },
    'data-dir': { type: 'string' },
    'log-level': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (!v.server) throw new UsageError('--server URL is required');
  if (!/^https?:\/\//.test(v.server)) throw new UsageError('--server must be an http:// or https:// URL');
  const level = v['log-level'] ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace'].includes(level)) throw new UsageError('--log-level must be fatal, error, warn, info, debug or trace');
  const logger = createLogger(level as 'info');
  const name = v.name ?? (await import('node:os')).hostname();
  const path = v.modem ?? 'sim';
  const baudRate = intOption('baud', v.baud, 300, 4_000_000) ?? 115200;
  let openPort: ModemPortFactory;
  if (path === 'sim') {
    const sim = new SimulatedModem({ name, sendLatencyMs: 100 });
    logger.warn(`no real modem attached: ${name} uses the built-in SIMULATED modem; nothing leaves this machine`);
    openPort = async () => sim.link();
  } else openPort = () => openSerialPort({ path, baudRate });
  const token = v.token ?? process.env.KATAR_TOKEN;
  const running = await startRemoteWorker({
    server: v.server,
    queue: v.queue ?? 'sms',
    name,
    dataDir: v['data-dir'] ?? './worker-data',
    openPort,
    drivers: builtinDrivers,
    logger,
    ...(token && { token }),
    ...(v.pin && { pin: v.pin }),
  });
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (): void => {
      if (stopping) process.exit(1);
      stopping = true;
      running.close().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
