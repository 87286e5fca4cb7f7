import { describe, expect, it } from 'vitest';
import type { Logger } from '../src/log.js';
import { trimMemory } from '../src/memory-trim.js';

describe('trimMemory', () => {
  it('runs the memory-reducing collection and says so at debug', async () => {
    const lines: Array<{ fields: unknown; msg: string }> = [];
    const logger = { debug: (fields: unknown, msg: string) => lines.push({ fields, msg }) } as unknown as Logger;
    await trimMemory(logger);
    expect(lines).toEqual([{ msg: 'start-up memory given back', fields: { rssBeforeMb: expect.any(Number), rssAfterMb: expect.any(Number), ms: expect.any(Number) } }]);
  });
});
