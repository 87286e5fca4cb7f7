import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';

const raw = JSON.parse(readFileSync(fileURLToPath(new URL('../../deploy/config.example.json', import.meta.url)), 'utf8')) as Record<string, unknown>;

describe('deploy/config.example.json', () => {
  it('passes the config validation as it is', () => {
    const config = parseConfig(raw);
    expect(config.modems).toEqual([expect.objectContaining({ name: 'modem0', path: '/dev/katar-modem', queue: 'sms' })]);
    expect(config.host).toBe('0.0.0.0');
    expect(config.tokens.map((t) => t.role).sort()).toEqual(['admin', 'producer', 'worker']);
  });

  it('marks every token as a placeholder that install.sh replaces', () => {
    for (const t of parseConfig(raw).tokens) expect(t.token).toMatch(/^CHANGE-ME-[A-Za-z0-9-]+$/);
  });

  it('spells out the keys people change most', () => {
    for (const key of ['host', 'port', 'logLevel', 'defaultRegion', 'tokens', 'retention', 'queues', 'modems']) expect(raw, key).toHaveProperty(key);
  });
});
