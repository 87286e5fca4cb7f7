import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { clearHang, hang, isHung, swapSim } from './field-faults.js';
import { callState, ringModem } from './behaviours/calls.js';
import { setUssdAnswers, type UssdNode } from './behaviours/ussd.js';
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
    case 'hang': {
      // {"kind":"hang"} until AT+CFUN=1,1; {"until":"never"}: until replug; {"on":false} ends it.
      if (body.on === false) return clearHang(sim);
      if (body.until !== undefined && body.until !== 'cfun' && body.until !== 'never') throw new BadRequest('"until" must be cfun or never');
      return hang(sim, body.until === 'never' ? 'never' : 'cfun');
    }
    case 'sim-swap': {
      swapSim(sim, { ...(str(body, 'imsi', false) && { imsi: str(body, 'imsi') }), ...(str(body, 'iccid', false) && { iccid: str(body, 'iccid') }) });
      return;
    }
    default:
      throw new BadRequest('"kind" must be unplug, replug, reboot, silent, hang, sim-swap, garbage, network or urc');
  }
}

function ussdNode(b: Record<string, unknown>): UssdNode {
  const node: UssdNode = { text: str(b, 'text') ?? '' };
  if (b.ucs2 === true) node.ucs2 = true;
  if (typeof b.status === 'number') node.status = b.status;
  if (b.menu !== undefined) {
    if (typeof b.menu !== 'object' || b.menu === null || Array.isArray(b.menu)) throw new BadRequest('"menu" must map replies to answers');
    node.menu = Object.fromEntries(Object.entries(b.menu as Record<string, unknown>).map(([k, v]) => [k, ussdNode((v ?? {}) as Record<string, unknown>)]));
  }
  return node;
}

function state(sim: SimulatedModem): Record<string, unknown> {
  const mems = ['SM', 'ME', 'SR'].map((m) => sim.storage.memory(m));
  return {
    personality: sim.personality.name,
    network: sim.network,
    effectiveNetwork: sim.effectiveNetwork(),
    sim: sim.simStatus(),
    hung: isHung(sim),
    imei: sim.options.imei,
    card: { imsi: sim.simCard.imsi, iccid: sim.simCard.iccid },
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

/** What only some exposures can do: a simulator on a pty can re-enumerate under another path. */
export interface ControlExtras {
  moveTo?: (path: string) => Promise<void>;
}

async function route(sim: SimulatedModem, req: IncomingMessage, extras: ControlExtras): Promise<[number, unknown]> {
  const key = `${req.method ?? ''} ${new URL(req.url ?? '/', 'http://x').pathname}`;
  switch (key) {
    case 'POST /incoming': {
      const b = await readJson(req);
      // "msg" is the gateway API's name for the text (POST /send, the inbox); both are taken.
      const text = typeof b.text === 'string' ? b.text : typeof b.msg === 'string' ? b.msg : '';
      // The SMSC's time stamp of the message (default: now), e.g. to send one SMS to two SIMs "at once".
      const at = str(b, 'timestamp', false);
      const timestamp = at === undefined ? undefined : new Date(at);
      if (timestamp && Number.isNaN(timestamp.getTime())) return [400, { error: `timestamp "${at}" is not an ISO 8601 time` }];
      const stored = sim.injectIncoming({ from: str(b, 'from') ?? '', text, ...(timestamp && { timestamp }) });
      return [202, { stored: stored.map((s) => s.index) }];
    }
    case 'POST /fault':
      fault(sim, await readJson(req));
      return [200, { ok: true }];
    case 'GET /sent':
      return [200, { sent: sim.sent, messages: sim.sentMessages() }];
    case 'GET /state':
      return [200, state(sim)];
    case 'POST /reenumerate': {
      // {path}: the device vanishes and comes back under another name (a USB reset).
      const path = str(await readJson(req), 'path') ?? '';
      if (!extras.moveTo) throw new BadRequest('only a simulator on a pty (katar-sms simulate --link) can re-enumerate');
      if (!path.startsWith('/')) throw new BadRequest('"path" must be absolute');
      await extras.moveTo(path);
      return [200, { path }];
    }
    case 'POST /call': {
      // Rings (RING, +CLIP) until the gateway hangs up or the caller gives up.
      const b = await readJson(req);
      const call = ringModem(sim, str(b, 'from') ?? '', { ...(typeof b.everyMs === 'number' && { everyMs: b.everyMs }), ...(typeof b.rings === 'number' && { rings: b.rings }) });
      return [202, { ringing: call }];
    }
    case 'GET /calls':
      return [200, { calls: callState(sim).calls }];
    case 'POST /ussd': {
      // {code, text, ucs2?, status?, menu?}: what the simulated network answers to a code.
      const b = await readJson(req);
      const code = str(b, 'code') ?? '';
      if (!/^[0-9*#+]{1,182}$/.test(code)) throw new BadRequest('"code" must be a USSD code such as *100#');
      setUssdAnswers(sim, { [code]: b.silent === true ? 'silent' : ussdNode(b) });
      return [200, { ok: true }];
    }
    default:
      return [404, { error: 'not found', routes: ['POST /incoming', 'POST /fault', 'GET /sent', 'GET /state', 'POST /call', 'GET /calls', 'POST /ussd', 'POST /reenumerate'] }];
  }
}

/**
 * A tiny HTTP API to drive a simulator from outside (`katar-sms simulate`, and `serve` on
 * the built-in simulated modem): inject messages and faults, read what was sent. Binds
 * 127.0.0.1 only: it has no auth. Port 0 takes any free port (see `url`).
 */
export async function startControlApi(sim: SimulatedModem, port = 3099, extras: ControlExtras = {}): Promise<ControlApi> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    route(sim, req, extras)
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
