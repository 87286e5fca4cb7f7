/**
 * How each configured modem is reached, and what the session does when it stops
 * answering: a serial device by `path`, a modem looked up by its `imei` across the serial
 * ports (src/modem/find-modem.ts), or the built-in simulator; the healing ladder's
 * settings with the USB re-bind of whichever port the modem is on; and the SIM watch
 * that announces another SIM in a known modem (src/gateway/modem-identities.ts).
 */
import { realpath } from 'node:fs/promises';
import type { ModemConfig } from './config.js';
import type { GatewayParts } from './gateway/gateway-parts.js';
import { ModemIdentities } from './gateway/modem-identities.js';
import type { Logger } from './log.js';
import { ModemFinder } from './modem/find-modem.js';
import type { ModemPort, ModemPortFactory } from './modem/port.js';
import { openSerialPort } from './modem/serial-port.js';
import type { HealingOptions } from './modem/session/healing-ladder.js';
import type { ModemSession } from './modem/session/session.js';
import { rebindUsb } from './modem/usb-rebind.js';
import { SimulatedModem, startControlApi, type ControlApi } from './simulator/index.js';
import { textSeed } from './simulator/settings.js';
import { imeiCheckDigit } from './modem/imei.js';

/** How to reach one configured modem, and what to stop with it. */
export interface ReachedModem {
  openPort: ModemPortFactory;
  /** The device it is on now (the configured path, or where its IMEI was last found); undefined for the simulator. */
  where(): string | undefined;
  close(): Promise<void>;
}

/** Where the serial ports are looked for; tests point both at temporary trees. */
export interface PortRoots {
  /** Default `/dev`. */
  devDir?: string;
  /** Default `/sys`. */
  sysRoot?: string;
}

/** What the modems of one gateway share: the identity book and which ports each holds. */
export class ModemPorts {
  /** Real path of the port each modem holds now, by modem name. */
  private readonly held = new Map<string, string>();
  /** Simulated modems reached so far: each after the first gets an IMEI of its own. */
  private simulatedCount = 0;

  private constructor(
    readonly identities: ModemIdentities,
    private readonly roots: PortRoots,
  ) {}

  static async open(dataDir: string, roots: PortRoots = {}): Promise<ModemPorts> {
    return new ModemPorts(await ModemIdentities.open(dataDir), roots);
  }

  /**
   * The serial device, the modem found by IMEI, or the simulator with its control API on
   * loopback. `fleetBox`, the gateway id on a shared store, gives a simulated modem a SIM
   * and an IMEI of this box's own: status reports are matched by the sending modem's name
   * and SIM (modem-key.ts), and every box of a fleet has a modem0.
   */
  async reach(m: ModemConfig, logger: Logger, fleetBox?: string): Promise<ReachedModem> {
    if (m.imei !== undefined) {
      const finder = new ModemFinder({
        imei: m.imei,
        open: (path) => openSerialPort({ path, baudRate: m.baudRate }),
        busy: () => this.busyFor(m.name),
        log: logger,
        ...(this.roots.devDir !== undefined && { devDir: this.roots.devDir }),
        ...(this.identities.known(m.name)?.path !== undefined && { lastPath: this.identities.known(m.name)!.path! }),
      });
      return { openPort: this.tracked(m.name, () => finder.open()), where: () => finder.lastPath, close: async () => undefined };
    }
    const path = m.path ?? 'sim';
    if (path !== 'sim') return { openPort: this.tracked(m.name, () => openSerialPort({ path, baudRate: m.baudRate })), where: () => path, close: async () => undefined };
    return simulated(m, logger, this.simulatedCount++, fleetBox);
  }

  /** The healing ladder of `m` (undefined when switched off); USB re-bind only on real devices. */
  healing(m: ModemConfig, reached: ReachedModem): HealingOptions | undefined {
    const h = m.healing;
    if (!h.enabled) return undefined;
    const opts: HealingOptions = { silentAfter: h.silentAfter, rebootWaitMs: h.rebootWaitMs, failedBackoff: { initialDelayMs: h.failedMinMs, maxDelayMs: h.failedMaxMs } };
    if (h.usbRebind && m.path !== 'sim') {
      opts.usbRebind = async () => {
        const at = reached.where();
        return at === undefined ? { done: false, reason: 'the port is not known yet' } : rebindUsb(at, this.roots.sysRoot === undefined ? {} : { sysRoot: this.roots.sysRoot });
      };
    }
    return opts;
  }

  /**
   * After each init: remembers the modem's identity and port, and announces another SIM
   * than the one last known (a warn log and a modem.state event with both ICCID tails).
   */
  watchSim(m: ModemConfig, session: ModemSession, reached: ReachedModem, parts: Pick<GatewayParts, 'modems'>, logger: Logger): () => void {
    const onReady = (): void => {
      const identity = session.identity;
      if (!identity) return;
      this.identities.record(m.name, identity, reached.where()).then(
        (change) => {
          if (!change) return;
          logger.warn({ previousIccid: change.previousIccid, iccid: change.iccid }, 'another SIM is in the modem');
          const health = parts.modems.all().find((h) => h.name === m.name);
          parts.modems.report({ ...(health ?? { state: session.state }), name: m.name, ...change, updatedAt: new Date().toISOString() });
        },
        (err: unknown) => logger.warn({ err }, 'could not record the modem identity'),
      );
    };
    session.on('ready', onReady);
    return () => session.off('ready', onReady);
  }

  /** Ports that other modems hold (never probed while looking for `name`). */
  private busyFor(name: string): ReadonlySet<string> {
    return new Set([...this.held].filter(([n]) => n !== name).map(([, real]) => real));
  }

  /** Wraps a port factory so the ports it opens are known as held by `name` until they close. */
  private tracked(name: string, open: () => Promise<ModemPort>): ModemPortFactory {
    return async () => {
      const port = await open();
      const real = await realpath(port.path).catch(() => port.path);
      this.held.set(name, real);
      port.once('close', () => {
        if (this.held.get(name) === real) this.held.delete(name);
      });
      return port;
    };
  }
}

/**
 * The built-in simulator, with its control API on loopback: the gateway holds the data
 * dir, so a running `npm start` is driven (incoming SMS, faults) through that API rather
 * than by a second process.
 */
async function simulated(m: ModemConfig, logger: Logger, ordinal: number, fleetBox: string | undefined): Promise<ReachedModem> {
  // Several simulated modems are several devices: each its own IMEI, as real ones; in a fleet, across boxes too.
  const nth = fleetBox === undefined ? ordinal : ordinal + 1 + (textSeed(fleetBox) % 900_000);
  const sim = new SimulatedModem({ name: m.name, sendLatencyMs: m.simSendLatencyMs, ...(m.pin && { pin: m.pin }), ...(nth > 0 && { imei: nthImei(nth) }), ...(fleetBox !== undefined && { subscriberSeed: `${fleetBox}/${m.name}` }) });
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
    where: () => undefined,
    close: async () => {
      await api.close();
      sim.dispose();
    },
  };
}

/** The generic simulator's IMEI with its serial number moved on by `n`, and a valid check digit. */
function nthImei(n: number): string {
  const base = '49015420323751';
  const serial = (Number(base.slice(8)) + n) % 1_000_000;
  const first14 = base.slice(0, 8) + String(serial).padStart(6, '0');
  return first14 + String(imeiCheckDigit(first14));
}
