import { exposeOnPty } from './pty-link.js';
import { startControlApi } from './control-api.js';
import { isPersonalityName } from './personalities/index.js';
import { SimulatedModem } from './sim-modem.js';
import { KatarError } from '../errors.js';

/** Minimal logger shape (pino's child loggers fit). */
export interface SimulateLogger {
  info(msg: string): void;
  info(obj: object, msg: string): void;
  /** The AT wire trace; without it the trace is not logged. */
  debug?(obj: object, msg: string): void;
}

/** Options of `katar-sms simulate`. */
export interface SimulateOptions {
  link: string;
  controlPort?: number;
  personality?: string;
  sendLatencyMs?: number;
  pin?: string;
  logger?: SimulateLogger;
}

const consoleLogger: SimulateLogger = {
  info: (a: string | object, b?: string) => console.log(typeof a === 'string' ? a : `${b ?? ''} ${JSON.stringify(a)}`),
};

/**
 * `katar-sms simulate --link PATH`: a simulated modem on a real pty plus its loopback
 * control API, so the gateway (or minicom) can be run against it without hardware.
 */
export async function runSimulate(opts: SimulateOptions): Promise<{ sim: SimulatedModem; close(): Promise<void> }> {
  const log = opts.logger ?? consoleLogger;
  const personality = opts.personality ?? 'generic';
  if (!isPersonalityName(personality)) throw new KatarError('CONFIG_INVALID', `unknown personality "${personality}"`, { personality });
  const sim = new SimulatedModem({ personality, sendLatencyMs: opts.sendLatencyMs ?? 2000, pin: opts.pin, name: personality });
  const pty = await exposeOnPty(sim, opts.link);
  let api;
  try {
    api = await startControlApi(sim, opts.controlPort ?? 3099, { moveTo: (path) => pty.moveTo(path) });
  } catch (err) {
    await pty.close();
    throw err;
  }
  // Every AT command is wire trace (debug), not news: a gateway polls several a minute.
  sim.on('command', (line: string) => log.debug?.({ line }, 'simulator received'));
  log.info({ path: pty.path, personality, control: api.url }, 'simulated modem ready');
  log.info(`talk to it:  minicom -D ${pty.path}   (or: screen ${pty.path})`);
  log.info(`point the gateway's modem.path at ${pty.path}`);
  log.info(`inject an SMS:  curl -X POST ${api.url}/incoming -H 'content-type: application/json' -d '{"from":"+15551234567","text":"hi"}'`);
  log.info(`faults:  curl -X POST ${api.url}/fault -d '{"kind":"unplug|replug|reboot|silent|hang|sim-swap|garbage|network","state":"none"}'`);
  log.info(`re-enumerate (USB reset):  curl -X POST ${api.url}/reenumerate -d '{"path":"/tmp/ttyUSB7"}'`);
  log.info(`what was sent:  curl ${api.url}/sent    state:  curl ${api.url}/state`);
  const control = api;
  return {
    sim,
    close: async () => {
      await control.close();
      await pty.close();
      sim.dispose();
    },
  };
}
