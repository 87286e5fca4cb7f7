import { builtinDrivers } from '../drivers/index.js';
import type { ModemConfig } from './config.js';
import { KatarError } from './errors.js';
import type { Logger } from './log.js';
import type { ComponentStarter } from './start-gateway.js';
import type { ModemPortFactory } from './modem/port.js';
import { openSerialPort } from './modem/serial-port.js';
import { ModemSession } from './modem/session/session.js';
import { SimulatedModem, startControlApi, type ControlApi } from './simulator/index.js';
import { ModemWorker } from './worker/modem-worker.js';

/** How to reach one configured modem, and what to stop with it. */
interface ModemPort {
  openPort: ModemPortFactory;
  close(): Promise<void>;
}

/**
 * The serial device, or the built-in simulator with its control API on loopback: the
 * gateway holds the data dir, so a running `npm start` is driven (incoming SMS, faults)
 * through that API rather than by a second process.
 */
async function modemPort(m: ModemConfig, logger: Logger): Promise<ModemPort> {
  if (m.path !== 'sim') return { openPort: () => openSerialPort({ path: m.path, baudRate: m.baudRate }), close: async () => undefined };
  const sim = new SimulatedModem({ name: m.name, sendLatencyMs: m.simSendLatencyMs, ...(m.pin && { pin: m.pin }) });
  sim.on('fault', (err: Error) => logger.error({ err }, 'the simulated modem hit an internal error; it answered ERROR and goes on'));
  logger.warn(`no real modem attached: ${m.name} is the built-in SIMULATED modem (${m.simSendLatencyMs} ms per SMS); nothing leaves this machine. Use --modem /dev/ttyUSBx for hardware`);
  let control: ControlApi;
  try {
    control = await startControlApi(sim, m.simControlPort ?? 0);
  } catch (err) {
    sim.dispose();
    throw err;
  }
  logger.info({ control: control.url }, `simulated modem control API on ${control.url}: an incoming SMS: curl -X POST ${control.url}/incoming -d '{"from":"+61400000000","msg":"hi"}'; faults: POST ${control.url}/fault; sent: GET ${control.url}/sent`);
  const api = control;
  return {
    openPort: async () => sim.link(),
    close: async () => {
      await api.close();
      sim.dispose();
    },
  };
}

/**
 * Refuses a `modems[i].driver` that names no built-in driver, listing the names there are.
 * It lives here, not in config.ts, because only the composition root may import drivers/.
 */
export function checkDriverNames(modems: readonly ModemConfig[]): void {
  const names = builtinDrivers.map((d) => d.name);
  for (const [i, m] of modems.entries()) {
    if (m.driver === undefined || names.includes(m.driver)) continue;
    const key = `modems[${i}].driver`;
    throw new KatarError('CONFIG_INVALID', `config: ${key} "${m.driver}" is not a driver (drivers: ${names.join(', ')})`, { key });
  }
}

/** One built-in worker (session + send loop + receive pipeline) per configured modem. */
export function modemComponents(): ComponentStarter[] {
  return [
    async (parts, config, logger) => {
      checkDriverNames(config.modems);
      if (config.modems.length === 0) {
        logger.info({ module: 'worker' }, 'no modem configured: remote workers only');
        return { close: async () => undefined };
      }
      const running: Array<{ session: ModemSession; worker: ModemWorker; port: ModemPort }> = [];
      const close = async (): Promise<void> => {
        for (const { worker } of running) await worker.stop();
        for (const { session } of running) await session.close();
        for (const { port } of running) await port.close();
      };
      for (const m of config.modems) {
        const log = logger.child({ module: 'modem', modem: m.name });
        let port: ModemPort;
        try {
          port = await modemPort(m, log);
        } catch (err) {
          await close();
          throw err;
        }
        const session = new ModemSession({
          name: m.name,
          openPort: port.openPort,
          drivers: builtinDrivers,
          statusReports: m.statusReports,
          logger: log,
          ...(m.driver && { driver: m.driver }),
          ...(m.pin && { pin: m.pin }),
        });
        const worker = new ModemWorker({ name: m.name, session, parts, queueName: m.queue, statusReports: m.statusReports, logger });
        running.push({ session, worker, port });
        worker.start();
        await session.start();
      }
      return { close };
    },
  ];
}
