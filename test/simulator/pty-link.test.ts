import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimulatedModem } from '../../src/simulator/index.js';
import { exposeOnPty, ptyRelayAvailable } from '../../src/simulator/pty-link.js';

const relay = ptyRelayAvailable();
const relays = (['socat', 'python3'] as const).filter((r) => spawnSync('sh', ['-c', `command -v ${r}`]).status === 0);

async function readUntil(fh: Awaited<ReturnType<typeof open>>, done: (s: string) => boolean): Promise<string> {
  let text = '';
  const buf = Buffer.alloc(256);
  while (!done(text)) {
    const { bytesRead } = await fh.read(buf, 0, buf.length, null);
    text += buf.subarray(0, bytesRead).toString('latin1');
  }
  return text;
}

describe.skipIf(!relay)('simulator on a pseudo-terminal', () => {
  // Skipped when neither socat nor python3 is installed: nothing can own a pty master.
  it.each(relays)('answers AT with OK through %s', async (r) => {
    const sim = new SimulatedModem();
    const path = join(tmpdir(), `katar-sim-${process.pid}-${r}`);
    const pty = await exposeOnPty(sim, path, { relay: r });
    const fh = await open(path, 'r+');
    try {
      await fh.write('AT\r');
      expect(await readUntil(fh, (s) => s.includes('OK\r\n'))).toBe('AT\r\r\nOK\r\n');
      await fh.write('AT+CGMI\r');
      expect(await readUntil(fh, (s) => s.includes('OK\r\n'))).toBe('AT+CGMI\r\r\nKatar\r\n\r\nOK\r\n');
    } finally {
      await fh.close();
      await pty.close();
    }
    expect(sim.commands).toEqual(['AT', 'AT+CGMI']);
    expect(existsSync(path)).toBe(false);
  });

  it('unplug removes the pty; replug brings it back with boot URCs', async () => {
    const sim = new SimulatedModem({ personality: 'simcom-sim800' });
    const path = join(tmpdir(), `katar-sim-replug-${process.pid}`);
    const pty = await exposeOnPty(sim, path);
    try {
      sim.unplug();
      await waitFor(() => !existsSync(path));
      sim.replug();
      await waitFor(() => existsSync(path));
      const fh = await open(path, 'r+');
      try {
        await fh.write('AT\r');
        const text = await readUntil(fh, (s) => s.includes('OK\r\n'));
        expect(text).toContain('SMS Ready');
        expect(text.endsWith('AT\r\r\nOK\r\n')).toBe(true);
      } finally {
        await fh.close();
      }
    } finally {
      await pty.close();
    }
  });
});

async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
}
