import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { exposeOnPty, SimulatedModem } from '../../src/simulator/index.js';
import type { SimModemOptions } from '../../src/simulator/types.js';
import { makeTmpDir } from './tmp-dir.js';

/** True when the pty relay (socat, or python3 as the fallback) can run here. */
export const hasPtyRelay = spawnSync('sh', ['-c', 'command -v socat || command -v python3']).status === 0;

/**
 * A simulated modem in this process, exposed on a real pseudo-terminal in a fresh
 * temporary directory (which also serves as the test's data root). `close` undoes it all.
 */
export async function simOnPty(opts: SimModemOptions): Promise<{ sim: SimulatedModem; path: string; dir: string; close: () => Promise<void> }> {
  const tmp = await makeTmpDir();
  const sim = new SimulatedModem(opts);
  const pty = await exposeOnPty(sim, join(tmp.dir, 'modem'));
  return {
    sim,
    path: pty.path,
    dir: tmp.dir,
    async close() {
      await pty.close();
      sim.dispose();
      await tmp.cleanup();
    },
  };
}
