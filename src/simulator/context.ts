import type { Personality } from './personalities/personality.js';
import type { SimulatedModem } from './sim-modem.js';
import type { SimContext, SimSettings } from './types.js';

/** The SimContext handed to behaviours: live views of the modem's state. */
export class ModemContext implements SimContext {
  constructor(
    readonly modem: SimulatedModem,
    private readonly emitUrc: (line: string) => void,
    private readonly scheduler: (ms: number, fn: () => void) => void,
  ) {}

  get personality(): Personality {
    return this.modem.personality;
  }

  get settings(): SimSettings {
    return this.modem.settings;
  }

  urc(line: string): void {
    this.emitUrc(line);
  }

  schedule(ms: number, fn: () => void): void {
    this.scheduler(ms, fn);
  }
}
