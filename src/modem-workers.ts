import { builtinDrivers } from '../drivers/index.js';
import type { ModemConfig } from './config.js';
import { KatarError } from './errors.js';
import type { Logger } from './log.js';
import type { ComponentStarter } from './start-gateway.js';
import type { ModemPortFactory } from './modem/port.js';
import { openSerialPort } from './modem/serial-port.js';
import { ModemSession } from './modem/session/session.js';
import { SimulatedModem } from './simulator/index.js';
import { ModemWorker } from './worker/modem-worker.js';

/** How to reach one configured modem: its serial device, or the built-in simulator. */
function portFactory(m: ModemConfig, logger: Logger): ModemPortFactory {
  if (m.path !== 'sim') return () => openSerialPort({ path: m.path, baudRate: m.baudRate });
  const sim = new SimulatedModem({ name: m.name, sendLatencyMs: m.simSendLatencyMs, ...(m.pin && { pin: m.pin }) });
  sim.on('fault', (err: Error) => logger.error({ err }, 'the simulated modem hit an internal error; it answered ERROR and goes on'));
  logger.warn(`no real modem attached: ${m.name} is the built-in SIMULATED modem (${m.simSendLatencyMs} ms per SMS); nothing leaves this machine. Use --modem /dev/ttyUSBx for hardware`);
  return async () => sim.link();
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
      const running: Array<{ session: ModemSession; worker: ModemWorker }> = [];
      for (const m of config.modems) {
        const log = logger.child({ module: 'modem', modem: m.name });
        const session = new ModemSession({
          name: m.name,
          openPort: portFactory(m, log),
          drivers: builtinDrivers,
          statusReports: m.statusReports,
          logger: log,
          ...(m.driver && { driver: m.driver }),
          ...(m.pin && { pin: m.pin }),
        });
        const worker = new ModemWorker({ name: m.name, session, parts, queueName: m.queue, statusReports: m.statusReports, logger });
        worker.start();
        await session.start();
        running.push({ session, worker });
      }
      return {
        async close() {
          for (const { worker } of running) await worker.stop();
          for (const { session } of running) await session.close();
        },
      };
    },
  ];
}
