import { loadConfigFile, parseConfig, type Config, type ModemConfig } from '../config.js';
import { pacingKeys } from '../config/modem-sending.js';
import { HEALING_DEFAULTS } from '../config/modem-identity.js';
import { createLogger } from '../log.js';
import { startGateway, type ComponentStarter } from '../start-gateway.js';
import { attachSystemd } from '../service/attach.js';
import { intOption, parse } from './args.js';

export const SERVE_USAGE = `Usage: katar-sms serve [options]

Runs the SMS gateway: the durable queue, its HTTP API, and a built-in worker per modem.

Options:
  --config FILE        JSON config file (see README "Configuration"); flags below override it
  --host HOST          address to listen on (default 127.0.0.1; other addresses need tokens)
  --port PORT          TCP port (default 3000)
  --data-dir DIR       where the queue is stored (default ./data)
  --modem PATH|sim|none
                       serial device of the modem (e.g. /dev/ttyUSB2), "sim" for the built-in
                       simulated modem, or "none" for remote workers only
                       (default: the config's modems, else "sim")
  --sim-control-port PORT
                       loopback port of the simulated modem's control API, which injects
                       incoming SMS and faults (default: a free port; the log names it)
  --log-level LEVEL    fatal, error, warn, info (default), debug, trace
  --log-format FORMAT  pretty (readable lines), json (one object a line, for journald),
                       or auto (default: pretty on a terminal, else json)
  -h, --help           this help
`;

/** Applies command-line flags over the config file. */
export async function resolveServeConfig(argv: string[]): Promise<Config> {
  const v = parse(argv, {
    config: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    'data-dir': { type: 'string' },
    modem: { type: 'string' },
    'sim-control-port': { type: 'string' },
    'log-level': { type: 'string' },
    'log-format': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  const base = v.config ? await loadConfigFile(v.config) : parseConfig({});
  const raw: Record<string, unknown> = { ...base };
  if (v.host !== undefined) raw.host = v.host;
  const port = intOption('port', v.port, 0, 65535);
  if (port !== undefined) raw.port = port;
  if (v['data-dir'] !== undefined) raw.dataDir = v['data-dir'];
  if (v['log-level'] !== undefined) raw.logLevel = v['log-level'];
  if (v['log-format'] !== undefined) raw.logFormat = v['log-format'];
  const cfg = parseConfig(raw);
  if (v.modem !== undefined) cfg.modems = v.modem === 'none' ? [] : [modemFromFlag(v.modem, cfg)];
  else if (!v.config || base.modems.length === 0) cfg.modems = cfg.modems.length ? cfg.modems : [modemFromFlag('sim', cfg)];
  const simControlPort = intOption('sim-control-port', v['sim-control-port'], 0, 65535);
  if (simControlPort !== undefined) for (const m of cfg.modems) if (m.path === 'sim') m.simControlPort = simControlPort;
  return cfg;
}

function modemFromFlag(path: string, cfg: Config): ModemConfig {
  const first = cfg.modems[0];
  return { name: first?.name ?? 'modem0', path, baudRate: first?.baudRate ?? 115200, queue: first?.queue ?? Object.keys(cfg.queues)[0]!, statusReports: first?.statusReports ?? true, healing: first?.healing ?? { ...HEALING_DEFAULTS }, simSendLatencyMs: first?.simSendLatencyMs ?? 100, ...(first?.pin && { pin: first.pin }), ...(first?.driver && { driver: first.driver }), ...(first?.simControlPort !== undefined && { simControlPort: first.simControlPort }), ...(first?.balance && { balance: first.balance }), ...(first?.calls && { calls: first.calls }), ...pacingKeys(first) };
}

/** `katar-sms serve`: runs until SIGTERM/SIGINT; a second signal exits at once. */
export async function serve(argv: string[], components: ComponentStarter[]): Promise<number> {
  const config = await resolveServeConfig(argv);
  const logger = createLogger(config.logLevel, config.logFormat);
  const running = await startGateway(config, logger, components, { trimMemory: true, warmQueue: true });
  const systemd = attachSystemd(running, logger);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting at once');
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal }, 'stopping');
      systemd
        .stop()
        .then(() => running.close())
        .finally(() => systemd.close())
        .then(
          () => resolve(0),
          (err: unknown) => {
            logger.error({ err }, 'stop failed');
            resolve(1);
          },
        );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}
