import { builtinDrivers } from '../../drivers/index.js';
import { openSerialPort } from '../modem/serial-port.js';
import type { ModemPortFactory } from '../modem/port.js';
import { isPersonalityName, SimulatedModem } from '../simulator/index.js';
import { intOption, parse, UsageError } from './args.js';
import { readCommandConfig } from './config-source.js';
import { processIo, keyValueLines, type CliIo } from './io.js';
import { signalBars } from '../gateway/modem-board.js';
import { probeModem, type ProbeReport } from './probe-modem.js';

/** Help text of `katar-sms probe`. */
export const PROBE_USAGE = `Usage: katar-sms probe [--modem PATH|sim] [options]

Opens the modem, runs the gateway's start-up until the modem is identified, and prints
what it is, like gammu identify: manufacturer, model, revision, IMEI, SIM state,
operator, signal, registration, SMSC, SMS storage use and the matching driver. The
start-up sets the modem's SMS settings as the gateway would (PDU mode, storage, new
message indications). Stop a gateway that uses the port first.

Options:
  --modem PATH|sim    serial device (e.g. /dev/ttyUSB2, /dev/katar-modem0); "sim" probes the
                      built-in simulated modem, "sim:NAME" one of its personalities
                      (generic, simcom-sim800, simcom-sim7600, quectel, huawei).
                      Default: the first modem of the config, with its baud rate and PIN
  --config FILE       the gateway's config file (default $KATAR_CONFIG, which the installed
                      katar-sms command sets to /etc/katar-sms/config.json)
  --baud N            baud rate (default 115200; USB modems ignore it)
  --pin PIN           enter this PIN if the SIM asks for one (never entered otherwise,
                      and never a second time when refused)
  --timeout S         seconds to wait for the modem to identify itself (default 45)
  --json              print the result as JSON
  -h, --help          this help

Exit codes: 0 the modem answered (a SIM problem is printed, not an error),
1 it could not be opened or did not answer in time, 2 bad command line.
`;

/** `katar-sms probe`: identifies one modem. */
export async function probe(argv: string[], io: CliIo = processIo): Promise<number> {
  const v = parse(argv, {
    modem: { type: 'string' },
    config: { type: 'string' },
    baud: { type: 'string' },
    pin: { type: 'string' },
    timeout: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (v.pin !== undefined && !/^\d{4,8}$/.test(v.pin)) throw new UsageError('--pin must be 4 to 8 digits');
  const target = await probeTarget(v.modem, v.config, io.env);
  const baudRate = intOption('baud', v.baud, 300, 4_000_000) ?? target.baudRate;
  const pin = v.pin ?? target.pin;
  const timeoutS = intOption('timeout', v.timeout, 1, 3600) ?? 45;
  const { openPort, device, dispose } = modemPort(target.modem, baudRate);
  let report: ProbeReport;
  try {
    report = await probeModem({ openPort, drivers: builtinDrivers, timeoutMs: timeoutS * 1000, ...(pin !== undefined && { pin }) });
  } finally {
    dispose();
  }
  if (v.json) io.out(`${JSON.stringify({ device, ...report }, null, 2)}\n`);
  else if (report.answered) io.out(formatProbeReport(device, report));
  if (report.openError !== undefined) {
    io.err(`katar-sms probe: cannot open ${report.openError}\n`);
    return 1;
  }
  if (!report.answered) {
    const why = report.detail ? `: ${report.detail}` : '';
    io.err(`katar-sms probe: ${device} did not identify itself within ${timeoutS} s (state ${report.state}${why}); is it the AT port?\n`);
    return 1;
  }
  return 0;
}

/** The modem to probe: `--modem`, else the config's first modem (its path, baud rate and PIN). */
async function probeTarget(flag: string | undefined, configFlag: string | undefined, env: CliIo['env']): Promise<{ modem: string; baudRate?: number; pin?: string }> {
  if (flag && configFlag === undefined) return { modem: flag };
  const source = await readCommandConfig(configFlag, env);
  if (source.kind === 'unreadable') throw new UsageError(`--modem PATH|sim is required: ${source.path} names the modem but cannot be read (${source.reason}; run it with sudo)`);
  const first = source.kind === 'loaded' ? source.config.modems[0] : undefined;
  if (flag) return { modem: flag, ...(first?.path === flag && { baudRate: first.baudRate, ...(first.pin && { pin: first.pin }) }) };
  if (!first) throw new UsageError(source.kind === 'loaded' ? `--modem PATH|sim is required: ${source.path} configures no modem` : '--modem PATH|sim is required');
  if (first.path === undefined) throw new UsageError(`--modem PATH is required: the config names ${first.name} by its IMEI (katar-sms ports lists the serial ports)`);
  return { modem: first.path, baudRate: first.baudRate, ...(first.pin && { pin: first.pin }) };
}

/** The port factory for `--modem`: a serial device, or a fresh simulated modem. */
function modemPort(modem: string, baudRate: number | undefined): { openPort: ModemPortFactory; device: string; dispose: () => void } {
  const sim = /^sim(?::(.+))?$/.exec(modem);
  if (!sim) return { openPort: () => openSerialPort({ path: modem, ...(baudRate && { baudRate }) }), device: modem, dispose: () => undefined };
  const personality = sim[1] ?? 'generic';
  if (!isPersonalityName(personality)) throw new UsageError(`unknown simulator personality "${personality}"`);
  const simulated = new SimulatedModem({ name: 'sim', personality });
  return { openPort: async () => simulated.link(), device: `sim (built-in simulated modem, ${personality})`, dispose: () => simulated.dispose() };
}

const SIM_TEXT: Partial<Record<ProbeReport['state'], string>> = {
  ready: 'ready',
  'not-registered': 'ready',
  'sim-pin-required': 'PIN required (give --pin)',
  'sim-puk-required': 'blocked: PUK required (unblock it in a phone)',
  'sim-wrong-pin': 'PIN refused (not tried again; check it before the SIM blocks)',
  'no-sim': 'not inserted',
  'sim-failure': 'failure',
};

/** The report as `label : value` lines, like `gammu identify`. */
export function formatProbeReport(device: string, r: ProbeReport): string {
  const id = r.identity;
  const sim = SIM_TEXT[r.state] ?? r.state;
  const blocked = r.state !== 'ready' && r.state !== 'not-registered';
  return keyValueLines([
    ['Device', device],
    ['Manufacturer', id?.manufacturer],
    ['Model', id?.model],
    ['Revision', id?.revision],
    ['IMEI', id?.imei],
    ['SIM', blocked && r.detail ? `${sim} (${r.detail})` : sim],
    ['Operator', r.operator],
    ['Registration', r.registration],
    ['Signal', r.signalDbm === undefined ? (blocked ? undefined : 'unknown') : `${r.signalDbm} dBm (${signalBars(r.signalDbm)}/4 bars)`],
    ['SMSC', r.smsc === null ? 'none stored on the SIM (sending fails until one is set with AT+CSCA)' : r.smsc],
    ['SMS storage', r.storage?.map((s) => `${s.memory} ${s.used}/${s.total}`).join(', ')],
    ['Driver', r.driver],
    ['State', r.detail && !blocked && r.state !== 'ready' ? `${r.state} (${r.detail})` : r.state],
  ]);
}
