import { EventEmitter } from 'node:events';

/** Health of one modem, as its built-in worker reports it. */
export interface ModemHealth {
  name: string;
  state: string;
  signalDbm?: number;
  registration?: string;
  operator?: string;
  model?: string;
  lastError?: string;
  updatedAt: string;
}

/**
 * The latest health of every modem of this gateway: written by the built-in workers,
 * read by /healthz, /metrics and the library's `modem` event.
 */
export class ModemBoard extends EventEmitter<{ modem: [health: ModemHealth] }> {
  readonly #modems = new Map<string, ModemHealth>();

  /** Records a modem's health and emits `modem`. */
  report(health: ModemHealth): void {
    this.#modems.set(health.name, health);
    this.emit('modem', health);
  }

  /** Every modem's latest health, in the order they first reported. */
  all(): ModemHealth[] {
    return [...this.#modems.values()];
  }
}
