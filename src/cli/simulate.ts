import { createLogger } from '../log.js';
import { runSimulate } from '../simulator/index.js';
import { intOption, parse, UsageError } from './args.js';

export const SIMULATE_USAGE = `Usage: katar-sms simulate --link PATH [options]

Runs the simulated modem on a pseudo-terminal, so that any program (minicom, Gammu, or
katar-sms serve --modem PATH) can talk AT commands to it, plus a loopback control API
to inject incoming SMS and faults. Needs socat (apt-get install socat) or python3.

Options:
  --link PATH            path of the pseudo-terminal symlink to create (e.g. /tmp/modem0)
  --control-port PORT    control API port on 127.0.0.1 (default 3099)
  --personality NAME     generic (default), simcom-sim800, simcom-sim7600, quectel, huawei
  --latency MS           time the modem takes per AT+CMGS (default 2000)
  --pin PIN              make the SIM ask for this PIN
  -h, --help             this help
`;

/** `katar-sms simulate`: runs until SIGTERM/SIGINT. */
export async function simulate(argv: string[]): Promise<number> {
  const v = parse(argv, {
    link: { type: 'string' },
    'control-port': { type: 'string' },
    personality: { type: 'string' },
    latency: { type: 'string' },
    pin: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (!v.link) throw new UsageError('--link PATH is required');
  const logger = createLogger('info').child({ module: 'simulator' });
  const controlPort = intOption('control-port', v['control-port'], 0, 65535);
  const sendLatencyMs = intOption('latency', v.latency, 0, 600_000);
  const running = await runSimulate({
    link: v.link,
    logger: { info: (a: string | object, b?: string) => (typeof a === 'string' ? logger.info(a) : logger.info(a, b ?? '')) },
    ...(controlPort !== undefined && { controlPort }),
    ...(v.personality && { personality: v.personality }),
    ...(sendLatencyMs !== undefined && { sendLatencyMs }),
    ...(v.pin && { pin: v.pin }),
  });
  return new Promise<number>((resolve) => {
    const stop = (): void => void running.close().then(() => resolve(0), () => resolve(1));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
