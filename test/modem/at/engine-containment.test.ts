import { describe, expect, it } from 'vitest';
import { isKatarError } from '../../../src/errors.js';
import { AtEngine } from '../../../src/modem/at/engine.js';
import { FakePort, flush, rejection } from './fake-port.js';

describe('AtEngine: a parser bug is contained', () => {
  it('closes the engine with MODEM_CLOSED instead of throwing out of the port', async () => {
    const port = new FakePort();
    const logged: string[] = [];
    const engine = new AtEngine(port, {
      // A driver's URC spec whose parser has a bug.
      urcs: [{ name: '+XBUG', match: 'prefix', twoLine: () => { throw new Error('driver parser bug'); } }],
      logger: { debug: () => undefined, error: (_o, msg) => void logged.push(msg ?? '') },
    });
    let closedWith: unknown;
    engine.on('close', (err) => (closedWith = err));
    const pending = engine.send('AT+CSQ', { timeoutMs: 5000 });
    await flush();
    expect(() => port.receive('\r\n+XBUG: 1\r\n')).not.toThrow();
    expect(isKatarError(await rejection(pending), 'MODEM_CLOSED')).toBe(true);
    expect(isKatarError(closedWith, 'MODEM_CLOSED')).toBe(true);
    expect(engine.closed).toBe(true);
    expect(logged).toEqual(['modem input could not be processed; reconnecting']);
  });
});
