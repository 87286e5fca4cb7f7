import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SimulatedModem } from './sim-modem.js';
import type { NetworkState } from './types.js';

/** A running control API. */
export interface ControlApi {
  port: number;
  url: string;
  close(): Promise<void>;
}

class BadRequest extends Error {}

const NETWORK: NetworkState[] = ['registered', 'roaming', 'searching', 'denied', 'none'];

function str(body: Record<string, unknown>, key: string, required = true): string | undefined {
  const v = body[key];
  if (typeof v === 'string' && v !== '') return v;
  if (required || v !== undefined) throw new BadRequest(`"${key}" must be a non-empty string`);
  return undefined;
}

function fault(sim: SimulatedModem, body: Record<string, unknown>): void {
  switch (body.kind) {
    case 'unplug':
      return sim.unplug();
    case 'replug':
      return sim.replug();
    case 'reboot':
      return sim.reboot();
    case 'silent':
      return sim.setSilent(body.on !== false);
    case 'garbage': {
      const bytes = str(body, 'bytes', false);
      return sim.injectGarbage(bytes === undefined ? undefined : Buffer.from(bytes, 'latin1'));
    }
    case 'network': {
      const state = body.state as NetworkState;
      if (!NETWORK.includes(state)) throw new BadRequest(`"state" must be one of ${NETWORK.join(', ')}`);
      return sim.setNetwork(state);
    }
    case 'urc':
      return sim.injectUrc(str(body, 'line') ?? '');
    default:
      throw new BadRequest('"kind" must be unplug, replug, reboot, silent, garbage, network or urc');
  }
}

function state(sim: SimulatedModem): Record<string, unknown> {
  const mems = ['SM', 'ME', 'SR'].map((m) => sim.storage.memory(m));
  return {
    personality: sim.personality.name,
    network: sim.network,
    effectiveNetwork: sim.effectiveNetwork(),
    sim: sim.simStatus(),
    settings: sim.settings,
    counters: sim.counters,
    storage: Object.fromEntries(mems.map((m) => [m.name, { used: m.used, capacity: m.capacity, messages: m.list() }])),
  };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let raw = '';
  for await (const chunk of req) raw += String(chunk);
  if (raw.length > 65_536) throw new BadRequest('body too large');
  try {
    const v: unknown = raw === '' ? {} : JSON.parse(raw);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BadRequest('body must be a JSON object');
    return v as Record<string, unknown>;
  } catch (err) {
    throw err instanceof BadRequest ? err : new BadRequest('body is not valid JSON');
  }
}

async function route(sim: SimulatedModem, req: IncomingMessage): Promise<[number, unknown]> {
  const key = `${req.method ?? ''} ${new URL(req.url ?? '/', 'http://x').pathname}`;
  switch (key) {
    case 'POST /incoming': {
      const b = await readJson(req);
      // "msg" is the gateway API's name for the text (POST /send, the inbox); both are taken.
      const text = typeof b.text === 'string' ? b.text : typeof b.msg === 'string' ? b.msg : '';
      const stored = sim.injectIncoming({ from: str(b, 'from') ?? '', text });
      return [202, { stored: stored.map((s) => s.index) }];
    }
    case 'POST /fault':
      fault(sim, await readJson(req));
      return [200, { ok: true }];
    case 'GET /sent':
      return [200, { sent: sim.sent, messages: sim.sentMessages() }];
    case 'GET /state':
      return [200, state(sim)];
    default:
      return [404, { error: 'not found', routes: ['POST /incoming', 'POST /fault', 'GET /sent', 'GET /state'] }];
  }
}

/**
 * A tiny HTTP API to drive a simulator from outside (`katar-sms simulate`, and `serve` on
 * the built-in simulated modem): inject messages and faults, read what was sent. Binds
 * 127.0.0.1 only: it has no auth. Port 0 takes any free port (see `url`).
 */
export async function startControlApi(sim: SimulatedModem, port = 3099): Promise<ControlApi> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    route(sim, req)
      .catch((err: unknown) => (err instanceof BadRequest ? [400, { error: err.message }] : [500, { error: 'internal error' }]) as [number, unknown])
      .then(([status, body]) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
