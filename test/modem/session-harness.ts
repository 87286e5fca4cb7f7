/**
 * Builds a ModemSession on an in-process SimulatedModem for one scenario, with fake-time
 * helpers: each test states only its twist.
 */
import { afterEach, beforeEach, vi } from 'vitest';
import { builtinDrivers } from '../../drivers/index.js';
import { ModemSession } from '../../src/modem/session/session.js';
import type { ModemSessionOptions } from '../../src/modem/session/session.js';
import type { ModemState } from '../../src/modem/session/types.js';
import { SimulatedModem } from '../../src/simulator/index.js';
import type { SimModemOptions } from '../../src/simulator/index.js';

/** A session wired to a simulator, with what it emitted. */
export interface Rig {
  sim: SimulatedModem;
  session: ModemSession;
  states: ModemState[];
  opens: number;
  close(): Promise<void>;
}

/** Creates (but does not start) a session on a simulated modem. */
export function rig(simOpts: SimModemOptions = {}, sessionOpts: Partial<ModemSessionOptions> = {}): Rig {
  const sim = new SimulatedModem(simOpts);
  const r: Rig = {
    sim,
    states: [],
    opens: 0,
    session: new ModemSession({
      name: 'test',
      drivers: builtinDrivers,
      openPort: async () => {
        r.opens++;
        return sim.link();
      },
      ...sessionOpts,
    }),
    close: async () => {
      await r.session.close();
      sim.dispose();
    },
  };
  r.session.on('state', (s) => r.states.push(s));
  return r;
}

/** Advances fake time in small steps until `done()` holds; throws after `maxMs`. */
export async function until(done: () => boolean, maxMs = 120_000, stepMs = 50): Promise<void> {
  for (let t = 0; t <= maxMs; t += stepMs) {
    if (done()) return;
    await vi.advanceTimersByTimeAsync(stepMs);
  }
  throw new Error(`condition not met within ${maxMs} ms of fake time`);
}

/** Starts the session and waits (in fake time) until it reaches `state`. */
export async function startUntil(r: Rig, state: ModemState, maxMs = 120_000): Promise<void> {
  const started = r.session.start();
  await until(() => r.session.state === state, maxMs);
  await started;
}

/** Runs a promise to completion while advancing fake time. */
export async function settle<T>(p: Promise<T>, maxMs = 120_000): Promise<T> {
  const box: { done: boolean; value?: T; err?: unknown; failed: boolean } = { done: false, failed: false };
  p.then(
    (value) => Object.assign(box, { done: true, value }),
    (err: unknown) => Object.assign(box, { done: true, failed: true, err }),
  );
  await until(() => box.done, maxMs, 10);
  if (box.failed) throw box.err;
  return box.value as T;
}

/** Commands the simulator received that start with `prefix`. */
export function sent(r: Rig, prefix: string): string[] {
  return r.sim.commands.filter((c) => c.toUpperCase().startsWith(prefix.toUpperCase()));
}

/**
 * Fake timers for each test of the enclosing describe block, and the rig (read through
 * `get`) closed after each; `clear` forgets it.
 */
export function rigLifecycle(get: () => Rig | undefined, clear: () => void): void {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(async () => {
    await get()?.close();
    clear();
    vi.useRealTimers();
  });
}
