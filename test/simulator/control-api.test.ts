import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedModem, runSimulate, startControlApi, ptyRelayAvailable, type ControlApi } from '../../src/simulator/index.js';
import { flush, wire } from './wire.js';

async function post(url: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

describe('control API', () => {
  let api: ControlApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('injects messages and faults, reports what was sent and the state', async () => {
    const sim = new SimulatedModem();
    const w = wire(sim);
    await w.send('ATE0\r');
    api = await startControlApi(sim, 0);
    expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    expect(await post(`${api.url}/incoming`, { from: '+15551234567', text: 'hi' })).toEqual({ status: 202, json: { stored: [1] } });
    await flush();
    expect(w.take()).toBe('\r\n+CMTI: "SM",1\r\n');

    expect((await post(`${api.url}/fault`, { kind: 'network', state: 'none' })).status).toBe(200);
    expect(sim.network).toBe('none');
    expect((await post(`${api.url}/fault`, { kind: 'network', state: 'bogus' })).status).toBe(400);
    expect((await post(`${api.url}/fault`, { kind: 'silent', on: true })).status).toBe(200);
    expect(await w.send('AT\r')).toBe('');
    await post(`${api.url}/fault`, { kind: 'silent', on: false });
    expect((await post(`${api.url}/fault`, { kind: 'explode' })).status).toBe(400);
    expect((await post(`${api.url}/incoming`, { text: 'no sender' })).status).toBe(400);

    const sent = await (await fetch(`${api.url}/sent`)).json();
    expect(sent).toEqual({ sent: [], messages: [] });
    const state = (await (await fetch(`${api.url}/state`)).json()) as { sim: string; storage: { SM: { used: number } } };
    expect(state.sim).toBe('ready');
    expect(state.storage.SM.used).toBe(1);
    expect((await fetch(`${api.url}/nope`)).status).toBe(404);
  });
});

describe.skipIf(!ptyRelayAvailable())('runSimulate', () => {
  // Skipped without socat/python3: the command needs a pty relay.
  it('exposes a pty and a control API, logs how to reach them, closes cleanly', async () => {
    const lines: string[] = [];
    const logger = { info: (a: unknown, b?: string) => lines.push(typeof a === 'string' ? a : `${b ?? ''} ${JSON.stringify(a)}`) };
    const link = join(tmpdir(), `katar-simulate-${process.pid}`);
    const run = await runSimulate({ link, controlPort: 0, personality: 'simcom-sim800', sendLatencyMs: 0, logger });
    try {
      expect(lines.join('\n')).toContain(`minicom -D ${link}`);
      expect(lines.join('\n')).toMatch(/curl -X POST http:\/\/127\.0\.0\.1:\d+\/incoming/);
      expect(run.sim.personality.name).toBe('simcom-sim800');
    } finally {
      await run.close();
    }
  });

  it('rejects an unknown personality', async () => {
    await expect(runSimulate({ link: join(tmpdir(), 'x'), personality: 'nokia' })).rejects.toThrow(/unknown personality/);
  });
});
