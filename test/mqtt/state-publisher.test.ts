import { afterEach, describe, expect, it } from 'vitest';
import { ModemBoard } from '../../src/gateway/modem-board.js';
import { StatePublisher, UNKNOWN_PAYLOAD } from '../../src/mqtt/state-publisher.js';
import { bridgeTopics } from '../../src/mqtt/topics.js';
import { openQueue } from '../helpers/queue-fixture.js';

/** The retained state topics as a real queue and a real modem board drive them. */
describe('MQTT state topics', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function publisher(): Promise<{ board: ModemBoard; published: Array<[string, string]>; p: StatePublisher }> {
    const { q, close } = await openQueue();
    cleanups.push(close);
    const board = new ModemBoard();
    const published: Array<[string, string]> = [];
    const p = new StatePublisher({ queue: q, modems: board, topics: bridgeTopics('gw'), publish: (t, v) => published.push([t, v]), connected: () => true, debounceMs: 10 });
    await p.start();
    cleanups.push(async () => p.stop());
    return { board, published, p };
  }

  const at = new Date(0).toISOString();

  it('a signal not known yet is not published; once known and then lost with the link it becomes unknown', async () => {
    const { board, published } = await publisher();
    board.report({ name: 'm0', state: 'registering', updatedAt: at });
    expect(published.filter(([t]) => t === 'gw/modem/m0/signal')).toEqual([]);
    board.report({ name: 'm0', state: 'ready', signalDbm: -71, operator: 'Telstra', registration: 'home', updatedAt: at });
    board.report({ name: 'm0', state: 'ready', signalDbm: -71, operator: 'Telstra', registration: 'home', updatedAt: at });
    expect(published.filter(([t]) => t === 'gw/modem/m0/signal')).toEqual([['gw/modem/m0/signal', '-71']]);
    // The link is lost: the stale signal, operator and registration are no longer current.
    board.report({ name: 'm0', state: 'disconnected', updatedAt: at });
    expect(published.filter(([t]) => t.startsWith('gw/modem/m0/')).slice(-4)).toEqual([
      ['gw/modem/m0/state', 'disconnected'],
      ['gw/modem/m0/signal', UNKNOWN_PAYLOAD],
      ['gw/modem/m0/operator', UNKNOWN_PAYLOAD],
      ['gw/modem/m0/registration', UNKNOWN_PAYLOAD],
    ]);
    board.report({ name: 'm0', state: 'ready', signalDbm: -65, operator: 'Telstra', registration: 'home', updatedAt: at });
    expect(published.filter(([t]) => t === 'gw/modem/m0/signal').map(([, v]) => v)).toEqual(['-71', UNKNOWN_PAYLOAD, '-65']);
  });

  it('publishes every topic again at a connect, unknown ones included', async () => {
    const { board, published, p } = await publisher();
    board.report({ name: 'm0', state: 'ready', signalDbm: -71, updatedAt: at });
    board.report({ name: 'm0', state: 'disconnected', updatedAt: at });
    published.splice(0);
    p.publishAll();
    expect(new Map(published).get('gw/modem/m0/signal')).toBe(UNKNOWN_PAYLOAD);
    expect(new Map(published).get('gw/queue/sms/depth')).toBe('0');
  });
});
