import type { Personality } from './personalities/personality.js';
import type { SimStatus } from './types.js';

/** Lines a personality prints once its SIM is ready (`+CPIN: READY`, `SMS Ready`...). */
export function simReadyLines(p: Personality): string[] {
  return [...(p.cpinUrc ? ['+CPIN: READY'] : []), ...p.simReadyUrcs];
}

/**
 * Spontaneous lines after power-on (docs/hardware.md#start-up-and-restarts): the personality's boot URCs, then
 * the SIM's state as far as it goes without a PIN.
 */
export function bootLines(p: Personality, sim: SimStatus): string[] {
  const lines = [...p.bootUrcs];
  if (sim === 'ready') return [...lines, ...simReadyLines(p)];
  if (!p.cpinUrc) return lines;
  const cpin = sim === 'absent' ? 'NOT INSERTED' : sim === 'puk' ? 'SIM PUK' : sim === 'pin' ? 'SIM PIN' : 'NOT READY';
  return [...lines, `+CPIN: ${cpin}`];
}
