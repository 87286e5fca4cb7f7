import type { ModemPort } from '../../src/modem/port.js';
import type { SimulatedModem } from '../../src/simulator/index.js';

/** Lets queued microtasks (link deliveries, zero-latency answers) run. */
export async function flush(rounds = 200): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

/** A raw-byte view of one link: write AT text, read back exactly what the modem sent. */
export interface Wire {
  port: ModemPort;
  /** Everything received since the last take()/send(). */
  readonly out: string;
  take(): string;
  /** Writes `text`, lets the modem answer, returns the bytes it sent in reply. */
  send(text: string): Promise<string>;
}

/** Links to `sim` and records the output as latin1 text. */
export function wire(sim: SimulatedModem): Wire {
  const port = sim.link();
  let out = '';
  port.on('data', (b: Buffer) => (out += b.toString('latin1')));
  return {
    port,
    get out() {
      return out;
    },
    take() {
      const o = out;
      out = '';
      return o;
    },
    async send(text) {
      out = '';
      await port.write(text);
      await flush();
      const o = out;
      out = '';
      return o;
    },
  };
}
