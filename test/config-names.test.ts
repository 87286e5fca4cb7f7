import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { isKatarError } from '../src/errors.js';

/** Names from a config file: Object.prototype members are refused by name, and `queues` has no prototype. */
const refused = (text: string): { key: unknown; message: string } => {
  try {
    parseConfig(JSON.parse(text));
  } catch (err) {
    if (isKatarError(err, 'CONFIG_INVALID')) return { key: err.details?.key, message: err.message };
    throw err;
  }
  throw new Error(`accepted: ${text}`);
};

describe('names in the config', () => {
  it.each(['__proto__', 'constructor'])('refuses a queue named %s, naming the key', (name) => {
    // JSON.parse keeps "__proto__" as an own key, as a config file would.
    const r = refused(`{"queues": {"sms": {}, "${name}": {"leaseMs": 5000}}}`);
    expect(r.key).toBe(`queues.${name}`);
    expect(r.message).toContain('reserved');
  });

  it('builds queues without a prototype, so no lookup by name finds an inherited member', () => {
    const cfg = parseConfig(JSON.parse('{"queues": {"sms": {}, "bulk": {"leaseMs": 5000}}}'));
    expect(Object.getPrototypeOf(cfg.queues)).toBeNull();
    expect(Object.keys(cfg.queues)).toEqual(['sms', 'bulk']);
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) expect(cfg.queues[name]).toBeUndefined();
    expect(cfg.queues.bulk!.leaseMs).toBe(5000);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('refuses "__proto__" as an option anywhere, naming it', () => {
    expect(refused('{"__proto__": {"port": 1}}').key).toBe('__proto__');
    expect(refused('{"rateLimit": {"__proto__": {"max": 1}}}').key).toBe('rateLimit.__proto__');
    expect(refused('{"queues": {"sms": {"__proto__": {"leaseMs": 1}}}}').key).toBe('queues.sms.__proto__');
  });

  it('refuses a modem whose queue is an inherited name, and two modems of one name', () => {
    expect(refused('{"modems": [{"path": "sim", "queue": "constructor"}]}').key).toBe('modems[0].queue');
    expect(refused('{"modems": [{"path": "sim", "name": "a"}, {"path": "sim", "name": "a"}]}').key).toBe('modems[1].name');
  });

  it('takes the new limits with their defaults and ranges', () => {
    const d = parseConfig({});
    expect([d.requestTimeoutMs, d.maxConnections, d.rateLimit.authFailures]).toEqual([30_000, 512, 20]);
    expect(refused('{"requestTimeoutMs": 10}').key).toBe('requestTimeoutMs');
    expect(refused('{"maxConnections": 0}').key).toBe('maxConnections');
    expect(refused('{"rateLimit": {"authFailures": 0}}').key).toBe('rateLimit.authFailures');
  });
});
