import { join } from 'node:path';
import { builtinDrivers } from '../drivers/index.js';
import type { ModemConfig } from './config.js';
import { KatarError } from './errors.js';
import type { ComponentStarter } from './start-gateway.js';
import { ModemPorts, type PortRoots, type ReachedModem } from './modem-ports.js';
import { ModemSession } from './modem/session/session.js';
import { ModemWorker } from './worker/modem-worker.js';
import { PacingGate } from './worker/pacing.js';
import { modemSending } from './config/modem-sending.js';

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
export function modemComponents(roots: PortRoots = {}): ComponentStarter[] {
  return [
    async (parts, config, logger) => {
      checkDriverNames(config.modems);
      if (config.modems.length === 0) {
        logger.info({ module: 'worker' }, 'no modem configured: remote workers only');
        return { close: async () => undefined };
      }
      const running: Array<{ session: ModemSession; worker: ModemWorker; port: ReachedModem }> = [];
      const ports = await ModemPorts.open(config.dataDir, roots);
      const close = async (): Promise<void> => {
        for (const { worker } of running) await worker.stop();
        for (const { session } of running) await session.close();
        for (const { port } of running) await port.close();
      };
      for (const m of config.modems) {
        const log = logger.child({ module: 'modem', modem: m.name });
        let port: ReachedModem;
        try {
          port = await ports.reach(m, log, config.store.kind === 'postgres' ? parts.id : undefined);
        } catch (err) {
          await close();
          throw err;
        }
        const healing = ports.healing(m, port);
        const session = new ModemSession({
          name: m.name,
          openPort: port.openPort,
          drivers: builtinDrivers,
          statusReports: m.statusReports,
          logger: log,
          ...(healing && { healing }),
          ...(m.driver && { driver: m.driver }),
          ...(m.pin && { pin: m.pin }),
        });
        // Counters in the data dir, so a restart does not hand the SIM a fresh allowance.
        const sending = modemSending(m);
        const pacing = sending ? new PacingGate({ modem: m.name, sending, dir: join(config.dataDir, 'pacing') }) : undefined;
        try {
          await pacing?.load();
        } catch (err) {
          await port.close();
          await close();
          throw err;
        }
        const worker = new ModemWorker({ name: m.name, session, parts, queueName: m.queue, statusReports: m.statusReports, logger, sharedStore: config.store.kind === 'postgres', ...(pacing && { pacing }), ...(m.balance && { balance: m.balance }), ...(m.calls && { calls: m.calls }) });
        running.push({ session, worker, port });
        worker.start();
        ports.watchSim(m, session, port, parts, log);
        await session.start();
      }
      return { close };
    },
  ];
}
