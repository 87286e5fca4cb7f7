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
    for (const key of ['host', 'port', 'logLevel', 'tokens', 'retention', 'queues', 'modems']) expect(raw, key).toHaveProperty(key);
  });

  it('leaves defaultRegion unset: a region copied from the example would read national numbers as another country\'s', () => {
    expect(raw).not.toHaveProperty('defaultRegion');
    expect(parseConfig(raw).defaultRegion).toBeUndefined();
  });

  it('is explained in deploy/README.md, defaultRegion included (JSON has no comments)', () => {
    const readme = readFileSync(fileURLToPath(new URL('../../deploy/README.md', import.meta.url)), 'utf8');
    expect(readme).toMatch(/\*\*defaultRegion\*\*: not set in the example/);
  });
});
