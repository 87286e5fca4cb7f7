import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { ModemBoard, signalBars } from '../../src/gateway/modem-board.js';
import { HourlyStats } from '../../src/http/hourly-stats.js';
import type { EventPage, EventType, GatewayEvent } from '../../src/queue/gateway-event.js';
import type { EventLog } from '../../src/queue/sms-queue.js';
import { startHttp, type HttpHarness } from '../helpers/http-harness.js';

const HOUR = 3_600_000;
/** 2026-03-10T12:30:00Z: "now" of the statistics tests. */
const NOW = Date.UTC(2026, 2, 10, 12, 30);
const THIS_HOUR = Date.UTC(2026, 2, 10, 12);

/** An event log with events at given times, recording how much each read returned. */
class TimedLog extends EventEmitter<{ event: [event: GatewayEvent] }> implements EventLog {
  readonly events: GatewayEvent[] = [];
  returned = 0;

  add(type: EventType, time: number, emit = false): GatewayEvent {
    const ev: GatewayEvent = { id: this.events.length + 1, type, time: new Date(time).toISOString(), queue: 'sms', data: {} };
    this.events.push(ev);
    if (emit) this.emit('event', ev);
    return ev;
  }

  async read(after: number, opts: { types?: readonly EventType[]; limit: number }): Promise<EventPage> {
    const out: GatewayEvent[] = [];
    let next = after;
    for (const e of this.events) {
      if (e.id <= after) continue;
      if (out.length >= opts.limit) break;
      next = e.id;
      if (!opts.types || opts.types.includes(e.type)) out.push(e);
    }
    this.returned += out.length;
    return { events: out, next };
  }

  async append(): Promise<GatewayEvent> {
    throw new Error('not used');
  }

  bounds(): { oldest: number | undefined; newest: number } {
    return { oldest: this.events[0]?.id, newest: this.events.length };
  }
}

describe('HourlyStats', () => {
  it('counts sent, failed, received and delivered per hour, oldest first, every hour listed', async () => {
    const log = new TimedLog();
    // 300 hours of history: one of each counted type per hour, and an event that is not counted.
    for (let h = 299; h >= 0; h--) {
      const t = THIS_HOUR - h * HOUR + 60_000;
      for (const type of ['sms.queued', 'sms.sent', 'sms.failed', 'sms.received', 'sms.delivered'] as const) log.add(type, t);
    }
    log.add('sms.sent', THIS_HOUR + 5 * 60_000);
    const stats = new HourlyStats(log, (err) => {
      throw err;
    }, () => NOW);
    const day = await stats.lastHours(24);
    expect(day).toHaveLength(24);
    expect(day[0]!.start).toBe(new Date(THIS_HOUR - 23 * HOUR).toISOString());
    expect(day[23]).toEqual({ start: new Date(THIS_HOUR).toISOString(), sent: 2, failed: 1, received: 1, delivered: 1 });
    expect(day[0]).toEqual({ start: new Date(THIS_HOUR - 23 * HOUR).toISOString(), sent: 1, failed: 1, received: 1, delivered: 1 });
    // Only the week was read (a binary search found its start), not the 300 hours.
    expect(log.returned).toBeLessThan(168 * 4 + 50);
    const week = await stats.lastHours(168);
    expect(week).toHaveLength(168);
    expect(week.every((h) => h.failed === 1)).toBe(true);
    // New events are counted as they come, once.
    log.add('sms.received', NOW, true);
    log.add('sms.received', NOW + 1, true);
    expect((await stats.lastHours(1))[0]).toMatchObject({ received: 3, sent: 2 });
    stats.close();
    log.add('sms.received', NOW + 2, true);
    expect((await stats.lastHours(1))[0]).toMatchObject({ received: 3 });
  });

  it('events that come before the first question are counted once, by the listener, not again by the seed', async () => {
    const log = new TimedLog();
    log.add('sms.sent', NOW - 60_000);
    const stats = new HourlyStats(log, () => undefined, () => NOW);
    log.add('sms.sent', NOW - 30_000, true);
    log.add('sms.sent', NOW - 10_000, true);
    expect((await stats.lastHours(1))[0]!.sent).toBe(3);
    expect((await stats.lastHours(1))[0]!.sent).toBe(3);
  });

  it('an empty log gives empty hours', async () => {
    const stats = new HourlyStats(new TimedLog(), () => undefined, () => NOW);
    const hours = await stats.lastHours(3);
    expect(hours.map((h) => h.start)).toEqual([THIS_HOUR - 2 * HOUR, THIS_HOUR - HOUR, THIS_HOUR].map((t) => new Date(t).toISOString()));
    expect(hours.every((h) => h.sent + h.failed + h.received + h.delivered === 0)).toBe(true);
  });
});

describe('ModemBoard statuses', () => {
  it('keeps since while ready and while not, the last error and when, the SIM state and bars', () => {
    const board = new ModemBoard();
    board.report({ name: 'm0', state: 'connecting', updatedAt: '2026-01-01T00:00:00.000Z' });
    board.report({ name: 'm0', state: 'sim-pin-required', lastError: 'the SIM wants a PIN', updatedAt: '2026-01-01T00:00:05.000Z' });
    // Not ready since its first report: the SIM problem is one more state of not being ready.
    expect(board.statuses()[0]).toMatchObject({ state: 'sim-pin-required', since: '2026-01-01T00:00:00.000Z', simState: 'sim-pin-required', lastError: 'the SIM wants a PIN', lastErrorAt: '2026-01-01T00:00:05.000Z', signalBars: 0 });
    board.report({ name: 'm0', state: 'ready', signalDbm: -71, operator: 'Telstra', registration: 'home', updatedAt: '2026-01-01T00:01:00.000Z' });
    board.report({ name: 'm0', state: 'ready', signalDbm: -85, operator: 'Telstra', registration: 'home', updatedAt: '2026-01-01T00:02:00.000Z' });
    const s = board.statuses()[0]!;
    expect(s).toMatchObject({ state: 'ready', since: '2026-01-01T00:01:00.000Z', simState: 'ready', signalDbm: -85, signalBars: 2, lastError: 'the SIM wants a PIN', lastErrorAt: '2026-01-01T00:00:05.000Z', updatedAt: '2026-01-01T00:02:00.000Z' });
    // /healthz and events keep seeing the health as reported.
    expect(board.all()[0]).toEqual({ name: 'm0', state: 'ready', signalDbm: -85, operator: 'Telstra', registration: 'home', updatedAt: '2026-01-01T00:02:00.000Z' });
    board.report({ name: 'm0', state: 'disconnected', lastError: 'port closed', updatedAt: '2026-01-01T00:03:00.000Z' });
    expect(board.statuses()[0]).toMatchObject({ since: '2026-01-01T00:03:00.000Z', lastError: 'port closed', lastErrorAt: '2026-01-01T00:03:00.000Z' });
    expect(board.statuses()[0]!.simState).toBeUndefined();
  });

  it('an unplugged modem shows no signal, operator or registration, and since stays when it went down through every reconnect attempt', () => {
    const board = new ModemBoard();
    const figures = { signalDbm: -71, operator: 'Telstra', registration: 'home' };
    board.report({ name: 'm0', state: 'ready', ...figures, updatedAt: '2026-01-01T00:00:00.000Z' });
    // The worker's report keeps the last sample's figures after the port is gone.
    board.report({ name: 'm0', state: 'disconnected', ...figures, lastError: 'port closed', updatedAt: '2026-01-01T00:01:00.000Z' });
    const down = board.statuses()[0]!;
    expect(down).toMatchObject({ state: 'disconnected', since: '2026-01-01T00:01:00.000Z', signalBars: 0, lastError: 'port closed' });
    for (const stale of ['signalDbm', 'operator', 'registration'] as const) expect(down).not.toHaveProperty(stale);
    // Reconnect attempts: connecting, disconnected again, the healing ladder giving up...
    board.report({ name: 'm0', state: 'connecting', ...figures, updatedAt: '2026-01-01T00:01:01.000Z' });
    board.report({ name: 'm0', state: 'disconnected', ...figures, lastError: 'open failed: ENOENT', updatedAt: '2026-01-01T00:01:02.000Z' });
    board.report({ name: 'm0', state: 'failed', ...figures, lastError: 'no answer after usb-rebind', updatedAt: '2026-01-01T00:05:00.000Z' });
    board.report({ name: 'm0', state: 'connecting', ...figures, updatedAt: '2026-01-01T00:10:00.000Z' });
    board.report({ name: 'm0', state: 'initialising', ...figures, updatedAt: '2026-01-01T00:10:01.000Z' });
    const trying = board.statuses()[0]!;
    expect(trying).toMatchObject({ state: 'initialising', since: '2026-01-01T00:01:00.000Z', signalBars: 0, lastError: 'no answer after usb-rebind' });
    expect(trying).not.toHaveProperty('signalDbm');
    // /healthz, /metrics, MQTT and events keep seeing the health as reported.
    expect(board.all()[0]).toMatchObject({ state: 'initialising', ...figures });
    // Back: ready since now, with the figures again.
    board.report({ name: 'm0', state: 'ready', signalDbm: -85, operator: 'Telstra', registration: 'roaming', updatedAt: '2026-01-01T00:10:02.000Z' });
    expect(board.statuses()[0]).toMatchObject({ state: 'ready', since: '2026-01-01T00:10:02.000Z', signalDbm: -85, signalBars: 2, operator: 'Telstra', registration: 'roaming' });
  });

  it('not registered: the figures are current (the modem answers and is sampled), and since is when it stopped being ready', () => {
    const board = new ModemBoard();
    board.report({ name: 'm0', state: 'ready', signalDbm: -71, operator: 'Telstra', registration: 'home', updatedAt: '2026-01-01T00:00:00.000Z' });
    board.report({ name: 'm0', state: 'not-registered', signalDbm: -111, registration: 'searching', updatedAt: '2026-01-01T00:01:00.000Z' });
    expect(board.statuses()[0]).toMatchObject({ state: 'not-registered', since: '2026-01-01T00:01:00.000Z', signalDbm: -111, signalBars: 0, registration: 'searching' });
    board.report({ name: 'm0', state: 'not-registered', signalDbm: -105, registration: 'searching', updatedAt: '2026-01-01T00:02:00.000Z' });
    expect(board.statuses()[0]).toMatchObject({ since: '2026-01-01T00:01:00.000Z', signalBars: 1 });
    // Then the port goes too: still not ready since 00:01, and no figures.
    board.report({ name: 'm0', state: 'disconnected', signalDbm: -105, registration: 'searching', updatedAt: '2026-01-01T00:03:00.000Z' });
    expect(board.statuses()[0]).toMatchObject({ state: 'disconnected', since: '2026-01-01T00:01:00.000Z', signalBars: 0 });
    expect(board.statuses()[0]).not.toHaveProperty('registration');
  });

  it('a SIM problem: the modem is not sampled, so the figures of before are left out', () => {
    const board = new ModemBoard();
    board.report({ name: 'm0', state: 'ready', signalDbm: -71, operator: 'Telstra', registration: 'home', updatedAt: '2026-01-01T00:00:00.000Z' });
    board.report({ name: 'm0', state: 'no-sim', signalDbm: -71, operator: 'Telstra', registration: 'home', lastError: 'no SIM', updatedAt: '2026-01-01T00:01:00.000Z' });
    const s = board.statuses()[0]!;
    expect(s).toMatchObject({ state: 'no-sim', since: '2026-01-01T00:01:00.000Z', simState: 'no-sim', signalBars: 0 });
    for (const stale of ['signalDbm', 'operator', 'registration'] as const) expect(s).not.toHaveProperty(stale);
  });

  it('bars: 0 unknown or below -109 dBm, up to 4 at -73 and above', () => {
    expect([undefined, -113, -109, -95, -93, -83, -74, -73, -51].map(signalBars)).toEqual([0, 0, 1, 1, 2, 3, 3, 4, 4]);
  });
});

describe('GET /v1/modems, /v1/stats, /v1/queue/:queue/counts', () => {
  let h: HttpHarness;
  afterEach(async () => h?.close());
  const producer = { authorization: 'Bearer producer-token-0123456789' };
  const tokens = { tokens: [{ name: 'app', token: 'producer-token-0123456789', role: 'producer' }, { name: 'box', token: 'worker-token-0123456789abc', role: 'worker' }] };

  it('modems: each modem with state, since, bars; producer yes, worker no', async () => {
    h = await startHttp(tokens);
    h.gateway.parts.modems.report({ name: 'm0', state: 'ready', signalDbm: -71, operator: 'Telstra', registration: 'home', model: 'SIMCOM SIM7600', updatedAt: '2026-01-01T00:00:00.000Z' });
    const res = await h.app.inject({ method: 'GET', url: '/v1/modems', headers: producer });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ modems: [{ name: 'm0', state: 'ready', since: '2026-01-01T00:00:00.000Z', signalDbm: -71, signalBars: 4, operator: 'Telstra', registration: 'home', simState: 'ready', model: 'SIMCOM SIM7600', updatedAt: '2026-01-01T00:00:00.000Z' }] });
    // Unplugged: the state, since when, and no figures that are not current.
    h.gateway.parts.modems.report({ name: 'm0', state: 'disconnected', signalDbm: -71, operator: 'Telstra', registration: 'home', model: 'SIMCOM SIM7600', lastError: 'port closed', updatedAt: '2026-01-01T00:01:00.000Z' });
    h.gateway.parts.modems.report({ name: 'm0', state: 'connecting', signalDbm: -71, operator: 'Telstra', registration: 'home', model: 'SIMCOM SIM7600', updatedAt: '2026-01-01T00:01:02.000Z' });
    const down = await h.app.inject({ method: 'GET', url: '/v1/modems', headers: producer });
    expect(down.json()).toEqual({ modems: [{ name: 'm0', state: 'connecting', since: '2026-01-01T00:01:00.000Z', signalBars: 0, model: 'SIMCOM SIM7600', lastError: 'port closed', lastErrorAt: '2026-01-01T00:01:00.000Z', updatedAt: '2026-01-01T00:01:02.000Z' }] });
    expect((await h.app.inject({ method: 'GET', url: '/v1/modems', headers: { authorization: 'Bearer worker-token-0123456789abc' } })).statusCode).toBe(403);
    expect((await h.app.inject({ method: 'GET', url: '/v1/modems' })).statusCode).toBe(401);
  });

  it('stats: the hours asked for, with what was sent and received this hour; hours checked', async () => {
    h = await startHttp(tokens);
    const q = h.gateway.parts.queue;
    await h.app.inject({ method: 'POST', url: '/v1/queue/sms/send', headers: producer, payload: { to: '+61404341143', msg: 'hi' } });
    const [t] = await q.lease('sms', 'w', 1);
    await q.report('sms', 'w', [{ _id: t!._id, status: 'done' }]);
    await q.receive('sms', { from: '+61404341143', msg: 'back', source: 'http' });
    const res = await h.app.inject({ method: 'GET', url: '/v1/stats', headers: producer });
    expect(res.statusCode).toBe(200);
    const hours = res.json<{ hours: Array<Record<string, unknown>> }>().hours;
    expect(hours).toHaveLength(24);
    // Summed over the last two hours: the test may run across the turn of an hour.
    const sum = (k: string): number => hours.slice(-2).reduce((n, x) => n + Number(x[k]), 0);
    expect([sum('sent'), sum('received'), sum('failed'), sum('delivered')]).toEqual([1, 1, 0, 0]);
    expect(Date.parse(String(hours[23]!.start)) % HOUR).toBe(0);
    // Counted live from here on.
    await q.receive('sms', { from: '+61404341143', msg: 'again', source: 'http' });
    const two = await h.app.inject({ method: 'GET', url: '/v1/stats?hours=2', headers: producer });
    expect(two.json().hours.reduce((n: number, x: { received: number }) => n + x.received, 0)).toBe(2);
    expect((await h.app.inject({ method: 'GET', url: '/v1/stats?hours=1', headers: producer })).json().hours).toHaveLength(1);
    expect((await h.app.inject({ method: 'GET', url: '/v1/stats?hours=168', headers: producer })).json().hours).toHaveLength(168);
    for (const bad of ['0', '169', 'x', '24.5']) {
      const r = await h.app.inject({ method: 'GET', url: `/v1/stats?hours=${bad}`, headers: producer });
      expect(r.statusCode).toBe(400);
      expect(r.json()).toMatchObject({ field: 'hours', message: 'hours must be a whole number from 1 to 168' });
    }
  });

  it('counts: the tasks of a queue by status; an unknown queue is 404', async () => {
    h = await startHttp(tokens);
    const q = h.gateway.parts.queue;
    await q.add('sms', [{ data: { to: '+61404341143', msg: 'a' }, parts: 1 }, { data: { to: '+61404341143', msg: 'b' }, parts: 1 }, { data: { to: '+61404341143', msg: 'c' }, parts: 1, paused: true }]);
    await q.lease('sms', 'w', 1);
    const res = await h.app.inject({ method: 'GET', url: '/v1/queue/sms/counts', headers: producer });
    expect(res.json()).toEqual({ paused: 1, queued: 1, inProgress: 1, done: 0, failed: 0, cancelled: 0 });
    expect((await h.app.inject({ method: 'GET', url: '/v1/queue/nope/counts', headers: producer })).statusCode).toBe(404);
  });
});
